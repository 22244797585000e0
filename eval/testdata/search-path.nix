let mylib = import <mylib>; in
{ cm = { apiVersion = "v1"; kind = "ConfigMap"; metadata.name = "x"; data.g = mylib.greeting; }; }

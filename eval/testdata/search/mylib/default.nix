{ greeting = "hello"; }

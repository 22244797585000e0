{ kubenix, replicas ? 0 }:
assert replicas > 0;
{ }

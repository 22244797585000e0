{ kubenix, env }:
{ }

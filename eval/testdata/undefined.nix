{ kubenix }:
{
  a = foo;
}

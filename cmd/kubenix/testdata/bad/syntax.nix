{ kubenix }:
{
  a = { b = 1
}

{
  f = x: x;
}

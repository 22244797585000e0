{
  a = import ./not-there.nix;
}

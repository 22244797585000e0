# Floats carried exactly to kubenix. Nix 2.8's builtins.toJSON (and
# nix-instantiate --json) prints a float with 6 significant digits
# (12.3456789 -> 12.3457), so before a value becomes JSON every float is
# replaced by { __kubenixFloat = [ m e ]; }: the float is m * 2^e exactly,
# m an integer of at most 53 bits. manifest.DecodeJSON turns it back into the
# number. Only multiplications by powers of two (exact in binary floating
# point) and builtins.floor of an integral float are used.
let
  inherit (builtins) floor isAttrs isFloat isList mapAttrs map typeOf;

  two52 = 4503599627370496.0;
  two53 = 9007199254740992.0;
  two85 = 38685626227668133590597632.0;
  two32 = 4294967296.0;

  # scale a e: a * 2^-e' in [2^52, 2^53), with the exponent that undoes it.
  scale = a: e:
    if a < two52 / two32 then scale (a * two32) (e - 32)
    else if a < two52 then scale (a * 2.0) (e - 1)
    else if a >= two85 then scale (a / two32) (e + 32)
    else if a >= two53 then scale (a / 2.0) (e + 1)
    else { m = floor a; inherit e; };

  exactFloat = x:
    if x != x || (x != 0.0 && x == x * 2.0) then
      throw "kubenix: a float that is not a finite number (${toString x}) cannot be written to a manifest"
    else if x == 0.0 then 0
    else
      let s = if x < 0.0 then scale (-x) 0 else scale x 0; in
      { __kubenixFloat = [ (if x < 0.0 then -s.m else s.m) s.e ]; };
in
rec {
  # encode v: v with every float replaced by its exact form, ready for
  # builtins.toJSON. Sets with outPath (derivations) are left as they are:
  # JSON writes them as their path.
  encode = v:
    if isFloat v then exactFloat v
    else if isAttrs v then (if v ? outPath then v else mapAttrs (_: encode) v)
    else if isList v then map encode v
    else v;
}

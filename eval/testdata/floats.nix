# Floats Nix 2.8's JSON would print with 6 significant digits.
{
  hpa = {
    apiVersion = "example.com/v1"; kind = "Gauge"; metadata.name = "g";
    spec = {
      values = [ 12.3456789 1234567.5 (-0.1) 3.0 0.0 1.0e-300 1.7976931348623157e308 (1.0e-300 / 1.0e20) 0.30000000000000004 123456789012.25 ];
      ratio = 2.5;
      count = 7;
    };
  };
}

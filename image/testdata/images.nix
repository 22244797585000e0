# Small real image archives built without nixpkgs, for tests: a docker
# archive (docker save format) of one layer holding /etc/motd, made with
# the build machine's /bin/sh, tar and sha256sum (Debian's Nix builds
# without a sandbox).
{ name ? "hello", content ? "hello from kubenix", gzip ? false, fail ? false, notImage ? false, stream ? false }:
# With stream, an executable that writes the archive to standard output,
# as dockerTools.streamLayeredImage makes them.
if stream then derivation {
  name = "stream-${builtins.replaceStrings [ "/" ] [ "-" ] name}";
  imageName = name;
  system = builtins.currentSystem;
  builder = "/bin/sh";
  archive = import ./images.nix { inherit name content; };
  args = [ "-c" "printf '#!/bin/sh\nexec /bin/cat %s\n' $archive > $out && /bin/chmod +x $out" ];
} else
derivation {
  name = "${builtins.replaceStrings [ "/" ] [ "-" ] name}-image.tar${if gzip then ".gz" else ""}";
  imageName = name; # as dockerTools sets it
  system = builtins.currentSystem;
  builder = "/bin/sh";
  args = [ "-c" ''
    set -e
    PATH=/usr/bin:/bin
    ${if fail then "echo 'building the image: step 3/5: something broke' >&2; exit 1" else ""}
    ${if notImage then "echo 'just a text file' > $out; exit 0" else ""}
    mkdir -p rootfs/etc out
    echo '${content}' > rootfs/etc/motd
    tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C rootfs -cf out/layer.tar .
    diff=$(sha256sum out/layer.tar | cut -d' ' -f1)
    printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/cat","/etc/motd"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$diff" > out/config.json
    printf '[{"Config":"config.json","RepoTags":["${name}:latest"],"Layers":["layer.tar"]}]' > out/manifest.json
    ${if gzip
      then "tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C out -cf - manifest.json config.json layer.tar | gzip -n > $out"
      else "tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C out -cf $out manifest.json config.json layer.tar"}
  '' ];
}

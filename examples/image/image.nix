# A container image built by Nix: a docker archive (docker save format)
# with one layer. This example has no nixpkgs, so it builds the archive
# with the machine's /bin/sh, tar and sha256sum; with nixpkgs you would write
#
#   pkgs.dockerTools.buildLayeredImage {
#     name = "shop/motd";
#     contents = [ pkgs.busybox ];
#     config.Cmd = [ "/bin/sh" "-c" "cat /etc/motd; sleep infinity" ];
#   }
#
# and kubenix.image takes it just the same.
derivation {
  name = "shop-motd-image.tar";
  imageName = "shop/motd"; # the repository, as dockerTools sets it
  system = builtins.currentSystem;
  builder = "/bin/sh";
  args = [ "-c" ''
    set -e
    PATH=/usr/bin:/bin
    mkdir -p rootfs/etc out
    echo 'Hello from an image kubenix pinned by its Nix store hash.' > rootfs/etc/motd
    tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C rootfs -cf out/layer.tar .
    diff=$(sha256sum out/layer.tar | cut -d' ' -f1)
    printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/cat","/etc/motd"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$diff" > out/config.json
    printf '[{"Config":"config.json","RepoTags":["shop/motd:latest"],"Layers":["layer.tar"]}]' > out/manifest.json
    tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C out -cf $out manifest.json config.json layer.tar
  '' ];
}

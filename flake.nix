{
  # Development shell for spmm: the host tools for `make run` and
  # `make test`, and the arm64 cross toolchain, device-tree compiler and
  # QEMU for building and booting L4Re with spmm (README.md, "Installation
  # on L4Re").  `nix develop` sets CROSS_COMPILE to the prefix of nixpkgs'
  # aarch64 cross compiler, which differs from the one L4Re assumes
  # (aarch64-linux-gnu-).
  description = "spmm: same-page merging for L4Re";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.05";

  outputs = { self, nixpkgs }:
    let
      system = "x86_64-linux";
      pkgs = nixpkgs.legacyPackages.${system};
      cross = pkgs.pkgsCross.aarch64-multiplatform;
    in {
      devShells.${system}.default = pkgs.mkShell {
        packages = [
          # host side
          pkgs.gnumake pkgs.gcc pkgs.python3 pkgs.cppcheck
          pkgs.clang-tools pkgs.llvmPackages.clang pkgs.valgrind
          # L4Re side
          cross.buildPackages.gcc cross.buildPackages.binutils
          pkgs.dtc pkgs.qemu pkgs.flex pkgs.bison pkgs.gawk pkgs.perl
          pkgs.ncurses pkgs.pkg-config pkgs.which pkgs.cpio pkgs.gzip
          pkgs.dpkg
        ];
        shellHook = ''
          export CROSS_COMPILE=${cross.stdenv.cc.targetPrefix}
          echo "spmm shell: CROSS_COMPILE=$CROSS_COMPILE"
        '';
      };
    };
}

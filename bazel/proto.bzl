"""C++ code for .proto files with Debian's protoc and grpc_cpp_plugin.

Bazel 4.2.3 has no gRPC C++ rule and its proto rules would download protobuf's sources, so a
genrule runs /usr/bin/protoc directly. Import paths are relative to the package that calls the
macro (`proto/`), so files import each other as "identity/v1/x.proto" and "google/rpc/x.proto",
like every other gRPC toolchain does, and the generated headers are included the same way
("identity/v1/token.grpc.pb.h").
"""

def cc_proto_grpc_library(
        name,
        protos,
        services,
        deps = [],
        imports = [],
        visibility = None):
    """A cc_library with the messages of `protos` and the gRPC stubs of `services`.

    Args:
      name: the cc_library.
      protos: every .proto file, relative to this package.
      services: the subset of `protos` that declare services.
      deps: extra cc_library dependencies (the C++ code of imported protos).
      imports: .proto files of other packages that `protos` import, as labels
        of the form "//proto:identity/v1/auth.proto"; their package becomes an
        import root (so the import reads "identity/v1/auth.proto").
      visibility: of the cc_library.
    """
    outs = []
    for proto in protos:
        base = proto[:-len(".proto")]
        outs += [base + ".pb.h", base + ".pb.cc"]
        if proto in services:
            outs += [base + ".grpc.pb.h", base + ".grpc.pb.cc"]
    package = native.package_name()
    import_roots = []
    for label in imports:
        root = label[2:].split(":")[0]
        if root not in import_roots:
            import_roots.append(root)
    native.genrule(
        name = name + "_generate",
        srcs = protos + imports,
        outs = outs,
        cmd = " ".join([
            "/usr/bin/protoc",
            "--proto_path=" + package,
        ] + ["--proto_path=" + root for root in import_roots] + [
            "--cpp_out=$(GENDIR)/" + package,
            "--grpc_out=$(GENDIR)/" + package,
            "--plugin=protoc-gen-grpc=/usr/bin/grpc_cpp_plugin",
        ] + [package + "/" + p for p in protos]),
    )
    native.cc_library(
        name = name,
        srcs = [o for o in outs if o.endswith(".cc")],
        hdrs = [o for o in outs if o.endswith(".h")],
        # Generated code is not ours to hold to -Werror.
        copts = ["-Wno-unused-parameter", "-Wno-error"],
        includes = ["."],
        deps = ["@system//:grpc"] + deps,
        visibility = visibility,
    )

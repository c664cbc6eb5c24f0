"""C++ code for .proto files with Debian's protoc and grpc_cpp_plugin.

Bazel 4.2.3 has no gRPC C++ rule and its proto rules would download protobuf's sources, so a
genrule runs /usr/bin/protoc directly. Import paths are relative to the package that calls the
macro (`proto/`), so files import each other as "identity/v1/x.proto" and "google/rpc/x.proto",
like every other gRPC toolchain does, and the generated headers are included the same way
("identity/v1/token.grpc.pb.h"). It works in this repository and from another workspace that
loads it as @identity (docs/interceptor.md, "Outside this repository (Bazel)").
"""

def _source_root(repository, package):
    """Where a package's sources are, relative to the execution root."""
    parts = []
    if repository not in ("", "@"):
        parts = ["external", repository.lstrip("@")]
    if package:
        parts.append(package)
    return "/".join(parts) if parts else "."

def _import_root(label):
    """The source folder of the package of `label` ("//proto:x.proto", "@identity//proto:x")."""
    repository = native.repository_name()
    if label.startswith("@"):
        repository, label = label.split("//", 1)
    else:
        label = label[2:]
    return _source_root(repository, label.split(":")[0])

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
        of the form "//proto:identity/v1/auth.proto" (or, from another
        workspace, "@identity//proto:identity/v1/auth.proto"); their package
        becomes an import root (so the import reads "identity/v1/auth.proto").
      visibility: of the cc_library.
    """
    outs = []
    for proto in protos:
        base = proto[:-len(".proto")]
        outs += [base + ".pb.h", base + ".pb.cc"]
        if proto in services:
            outs += [base + ".grpc.pb.h", base + ".grpc.pb.cc"]
    root = _source_root(native.repository_name(), native.package_name())
    import_roots = []
    for label in imports:
        import_root = _import_root(label)
        if import_root not in import_roots:
            import_roots.append(import_root)
    native.genrule(
        name = name + "_generate",
        srcs = protos + imports,
        outs = outs,
        cmd = " ".join([
            "/usr/bin/protoc",
            "--proto_path=" + root,
        ] + ["--proto_path=" + r for r in import_roots] + [
            "--cpp_out=$(RULEDIR)",
            "--grpc_out=$(RULEDIR)",
            "--plugin=protoc-gen-grpc=/usr/bin/grpc_cpp_plugin",
        ] + [p if root == "." else root + "/" + p for p in protos]),
    )
    native.cc_library(
        name = name,
        srcs = [o for o in outs if o.endswith(".cc")],
        hdrs = [o for o in outs if o.endswith(".h")],
        # Generated code is not ours to hold to -Werror.
        copts = ["-Wno-unused-parameter", "-Wno-error"],
        # The generated headers are included by their path from here. At a workspace's root
        # Bazel refuses "." and needs nothing: the output root is already on the include path.
        includes = ["."] if native.package_name() else [],
        deps = ["@system//:grpc"] + deps,
        visibility = visibility,
    )

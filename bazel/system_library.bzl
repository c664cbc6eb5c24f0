"""A repository rule that turns Debian's pkg-config files into cc_library targets.

Listing Abseil's dozens of archives by hand is brittle; pkg-config already knows them, in link
order. Include directories are dropped: Debian's headers live in the compiler's default search path.
"""

def _split_flags(output):
    linkopts = []
    defines = []
    copts = []
    for flag in output.split(" "):
        flag = flag.strip()
        if not flag or flag.startswith("-I"):
            continue
        if flag.startswith("-D"):
            defines.append(flag[2:])
        elif flag.startswith("-l") or flag.startswith("-L") or flag.startswith("-Wl,") or flag == "-pthread":
            linkopts.append(flag)
        else:
            copts.append(flag)
    return linkopts, defines, copts

def _system_libraries_impl(ctx):
    build = ['package(default_visibility = ["//visibility:public"])', ""]
    for name, packages in sorted(ctx.attr.libraries.items()):
        # "-lfoo" entries name libraries that ship no pkg-config file.
        pkgs = [p for p in packages.split(" ") if p and not p.startswith("-l")]
        extra = [p for p in packages.split(" ") if p.startswith("-l")]
        output = ""
        if pkgs:
            result = ctx.execute(["pkg-config", "--cflags", "--libs"] + pkgs)
            if result.return_code != 0:
                fail("pkg-config failed for %s (%s): %s\nRun bazel/install-deps.sh." % (name, packages, result.stderr))
            output = result.stdout.replace("\n", " ")
        linkopts, defines, copts = _split_flags(" ".join(extra) + " " + output)
        build.append("cc_library(")
        build.append("    name = %r," % name)
        build.append("    linkopts = %r," % linkopts)
        build.append("    defines = %r," % defines)
        build.append("    copts = %r," % copts)
        build.append(")")
        build.append("")
    ctx.file("WORKSPACE", "workspace(name = %r)\n" % ctx.name)
    ctx.file("BUILD.bazel", "\n".join(build))

system_libraries = repository_rule(
    implementation = _system_libraries_impl,
    attrs = {"libraries": attr.string_dict(mandatory = True)},
    local = True,
    doc = "cc_library per entry of `libraries` (name -> space-separated pkg-config packages, " +
          "or -lNAME for a library without a pkg-config file).",
)

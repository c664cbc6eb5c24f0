"""Layering rules as Bazel targets: which part of the tree may not depend on which.

layer_deps computes, with genquery at build time, everything a layer depends on; layering_test
checks those lists against a table of forbidden edges (check_forbidden_edges.sh). A test cannot
run `bazel query` itself, and genquery accepts neither recursive patterns (//client/...) nor
labels outside its scope, hence the explicit package and target lists.

genquery also requires every target of its scope to be visible to the package that declares it.
For targets visible to //server only, either make them visible to //tests/architecture or load
this file from a BUILD file under //server and declare the layer_deps and layering_test there.
"""

def layer_deps(name, targets, packages = [], with_tests = False):
    """Writes `name`: every label a layer depends on, one per line.

    Two ways to say what the layer is:
      - `packages`: the query takes "<package>:all", and `targets` must list every target of
        those packages (tests too), each visible to this package. genquery refuses to build when
        one is missing from its scope, so a target added to the layer cannot escape the rules
        unseen: add it to `targets`.
      - no `packages`: the layer is `targets` and what they depend on. For packages whose tests
        are private: list the top-level (non-test) targets; a new one must be added by hand.

    Args:
      name: the genquery's name, "<layer>_deps".
      targets: see above.
      packages: the layer's Bazel packages, e.g. ["//storage"].
      with_tests: also check the layer's tests and testonly targets (with `packages` only). Off
        where tests may use what the layer's code may not.
    """
    if packages:
        layer = " + ".join([package + ":all" for package in packages])
    else:
        layer = " + ".join(targets)
    if with_tests:
        expression = "deps(%s)" % layer
    else:
        expression = "let layer = %s in deps($layer except attr(testonly, 1, $layer))" % layer
    native.genquery(
        name = name,
        expression = expression,
        # Toolchains are not dependencies of the design.
        opts = ["--noimplicit_deps"],
        scope = targets,
        # The scope may name tests.
        testonly = True,
    )

def layering_test(name, forbidden_edges, **kwargs):
    """An sh_test failing when a layer reaches what forbidden_edges forbids it.

    Args:
      name: the test's name.
      forbidden_edges: a list of (layer, forbidden, why). `layer` names a layer_deps target
        "<layer>_deps" in this package; `forbidden` is "//pkg/..." (the package and those below
        it) or one exact label; `why` is printed with each violation.
      **kwargs: passed to sh_test.
    """
    args = []
    data = []
    for layer, forbidden, why in forbidden_edges:
        if "'" in why:
            fail("why may not contain a single quote: " + why)
        deps = ":%s_deps" % layer
        if deps not in data:
            data.append(deps)
        args += [layer, "$(location %s)" % deps, forbidden, "'%s'" % why]
    native.sh_test(
        name = name,
        srcs = ["//tests/architecture:check_forbidden_edges.sh"],
        args = args,
        data = data,
        **kwargs
    )

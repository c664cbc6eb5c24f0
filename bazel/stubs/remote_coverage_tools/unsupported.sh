#!/bin/sh
echo "bazel coverage is not supported offline; see docs/build.md" >&2
exit 1

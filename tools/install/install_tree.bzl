"""install_tree: the files `bazel run //:install` copies (see install.sh).

From cc_library targets it makes one directory:
  include/sanstls/<path in the repository>   the public headers listed in `hdrs`
  lib/libsanstls.a                           every object file of the libraries in `deps`' closure
  lib/pkgconfig/sanstls.pc.in                Libs holds -lsanstls and the closure's linkopts (mbedTLS's
                                             libraries, or libcrypto under --define=crypto=libcrypto)
"""

load("@bazel_tools//tools/cpp:toolchain_utils.bzl", "find_cpp_toolchain")

def _install_tree_impl(ctx):
    cc_toolchain = find_cpp_toolchain(ctx)
    available = {}
    objects = []
    link_flags = []
    for dep in ctx.attr.deps:
        cc = dep[CcInfo]
        for h in cc.compilation_context.headers.to_list():
            available[h.short_path] = True
        for linker_input in cc.linking_context.linker_inputs.to_list():
            for flag in linker_input.user_link_flags:
                if flag not in link_flags:
                    link_flags.append(flag)
            for lib in linker_input.libraries:
                objs = lib.pic_objects or lib.objects
                for o in objs:
                    if o not in objects:
                        objects.append(o)

    # A public header must belong to the library: the list cannot name a file the archive does not serve.
    for h in ctx.files.hdrs:
        if h.short_path not in available:
            fail("%s is listed as a public header but is not a header of %s" % (h.short_path, ctx.attr.deps))

    out = ctx.actions.declare_directory(ctx.attr.name)
    pc_in = ctx.actions.declare_file(ctx.attr.name + ".pc.in")
    ctx.actions.expand_template(
        template = ctx.file.pc_template,
        output = pc_in,
        substitutions = {"@LIBS@": " ".join(link_flags)},
    )

    args = ctx.actions.args()
    args.add(out.path)
    args.add(cc_toolchain.ar_executable)
    args.add(pc_in.path)
    args.add_all([h.short_path + "=" + h.path for h in ctx.files.hdrs])
    args.add("--")
    args.add_all(objects)
    ctx.actions.run_shell(
        inputs = ctx.files.hdrs + objects + [pc_in],
        tools = cc_toolchain.all_files,
        outputs = [out],
        arguments = [args],
        mnemonic = "SanstlsInstallTree",
        progress_message = "Assembling the install tree %s" % out.short_path,
        command = """
set -eu
out=$1; ar=$2; pc=$3; shift 3
mkdir -p "$out/include/sanstls" "$out/lib/pkgconfig"
while [ "$1" != "--" ]; do
  dest="$out/include/sanstls/${1%%=*}"
  mkdir -p "$(dirname "$dest")"
  cp "${1#*=}" "$dest"
  shift
done
shift
# q: append (two objects with one base name both stay), D: deterministic, s: the symbol index.
"$ar" qcsD "$out/lib/libsanstls.a" "$@"
cp "$pc" "$out/lib/pkgconfig/sanstls.pc.in"
""",
    )
    return [DefaultInfo(files = depset([out]), runfiles = ctx.runfiles(files = [out]))]

install_tree = rule(
    implementation = _install_tree_impl,
    attrs = {
        "deps": attr.label_list(providers = [CcInfo], mandatory = True),
        "hdrs": attr.label_list(allow_files = [".h"], mandatory = True),
        "pc_template": attr.label(allow_single_file = True, mandatory = True),
        "_cc_toolchain": attr.label(default = Label("@bazel_tools//tools/cpp:current_cc_toolchain")),
    },
    toolchains = ["@bazel_tools//tools/cpp:toolchain_type"],
    incompatible_use_toolchain_transition = True,
)

#!/usr/bin/env python3
# Runs one WASI command module in a Python-hosted peer engine (wasm3 via pywasm3, or wasmtime) and reports
# its stdout plus the CPU seconds the load+run took inside this process (Python start-up excluded).
# Usage: peer.py wasm3|wasmtime FILE.wasm [ARGS...]   -> stdout: the guest's output; stderr: last line JSON.
import json
import struct
import sys
import time


class GuestExit(Exception):
    def __init__(self, code):
        super().__init__(f"exit {code}")
        self.code = code


def run_wasm3(path, argv, out):
    import wasm3
    env = wasm3.Environment()
    rt = env.new_runtime(1 << 20)
    with open(path, "rb") as f:
        mod = env.parse_module(f.read())
    rt.load(mod)
    encoded = [a.encode() + b"\0" for a in argv]
    W = "wasi_snapshot_preview1"

    def mem():
        return rt.get_memory(0)

    def args_sizes_get(pcount, psize):
        m = mem()
        struct.pack_into("<I", m, pcount, len(encoded))
        struct.pack_into("<I", m, psize, sum(len(e) for e in encoded))
        return 0

    def args_get(pargv, pbuf):
        m = mem()
        for k, e in enumerate(encoded):
            struct.pack_into("<I", m, pargv + 4 * k, pbuf)
            m[pbuf:pbuf + len(e)] = e
            pbuf += len(e)
        return 0

    def fd_write(fd, iovs, n, pwritten):
        m = mem()
        total = 0
        for k in range(n):
            base, length = struct.unpack_from("<II", m, iovs + 8 * k)
            out.append(bytes(m[base:base + length]))
            total += length
        struct.pack_into("<I", m, pwritten, total)
        return 0

    def fd_fdstat_get(fd, p):
        m = mem()
        m[p:p + 24] = bytes(24)
        m[p] = 2 if fd <= 2 else 0  # character device
        return 0 if fd <= 2 else 8

    def fd_seek(fd, offset, whence, p):
        return 70  # spipe: not seekable

    def fd_close(fd):
        return 0

    def proc_exit(code):
        raise GuestExit(code)

    mod.link_function(W, "args_sizes_get", "i(ii)", args_sizes_get)
    mod.link_function(W, "args_get", "i(ii)", args_get)
    mod.link_function(W, "fd_write", "i(iiii)", fd_write)
    mod.link_function(W, "fd_fdstat_get", "i(ii)", fd_fdstat_get)
    mod.link_function(W, "fd_seek", "i(iIii)", fd_seek)
    mod.link_function(W, "fd_close", "i(i)", fd_close)
    mod.link_function(W, "proc_exit", "v(i)", proc_exit)
    rt.find_function("_start")()
    return 0


def run_wasmtime(path, argv, out, tmpdir):
    import os
    import wasmtime
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    cfg = wasmtime.WasiConfig()
    cfg.argv = argv
    stdout_path = os.path.join(tmpdir, "stdout")
    cfg.stdout_file = stdout_path
    cfg.inherit_stderr()
    store.set_wasi(cfg)
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    module = wasmtime.Module.from_file(engine, path)
    instance = linker.instantiate(store, module)
    code = 0
    try:
        instance.exports(store)["_start"](store)
    except wasmtime.ExitTrap as e:
        code = e.code
    with open(stdout_path, "rb") as f:
        out.append(f.read())
    return code


def main():
    engine, path, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    out = []
    argv = [path] + args
    t0 = time.process_time()
    w0 = time.perf_counter()
    code = 0
    try:
        if engine == "wasm3":
            code = run_wasm3(path, argv, out)
        elif engine == "wasmtime":
            import tempfile
            with tempfile.TemporaryDirectory() as d:
                code = run_wasmtime(path, argv, out, d)
        else:
            sys.exit(f"unknown engine {engine}")
    except GuestExit as e:
        code = e.code
    cpu = time.process_time() - t0
    wall = time.perf_counter() - w0
    sys.stdout.buffer.write(b"".join(out))
    sys.stdout.flush()
    print(json.dumps({"cpu": cpu, "wall": wall, "exit": code}), file=sys.stderr)
    sys.exit(code)


if __name__ == "__main__":
    main()

// WASI preview1 with real C programs built against Debian's wasi-libc at test time.
import Foundation
import LedgeTestSupport
import LedgeWasm
import Testing

@Suite("WASI")
struct WASITests {
    @Test("printf reaches stdout and fputs(stderr) reaches stderr; main returning 0 ends normally")
    func hello() throws {
        let (end, out) = try runWASI(try WASIFixture.compile("hello"))
        #expect(end == .returned)
        #expect(out.text(1) == "hello, wasi 42\n")
        #expect(out.text(2) == "to stderr\n")
    }

    @Test("args and environment reach main, in order")
    func argsAndEnviron() throws {
        let (end, out) = try runWASI(try WASIFixture.compile("args"), args: ["prog", "one", "two words", ""],
                                     environment: ["LEDGE_GREETING": "hi there", "LEDGE_A": "1", "OTHER": "x=y"])
        #expect(end == .returned)
        #expect(out.text(1) == """
            argc=4
            argv[0]=prog
            argv[1]=one
            argv[2]=two words
            argv[3]=
            env LEDGE_A=1
            env LEDGE_GREETING=hi there
            envc=3
            getenv=hi there

            """)
    }

    @Test("no args and no environment")
    func emptyArgs() throws {
        let (end, out) = try runWASI(try WASIFixture.compile("args"), args: [], environment: [:])
        #expect(end == .returned)
        #expect(out.text(1) == "argc=0\nenvc=0\ngetenv=(null)\n")
    }

    @Test("exit(3) ends the run with code 3 and nothing after it runs")
    func exitCode() throws {
        let (end, out) = try runWASI(try WASIFixture.compile("exitcode"))
        #expect(end == .exit(3))
        #expect(out.text(1) == "before exit\n")
    }

    @Test("stdin is read to its end from the given bytes")
    func stdin() throws {
        let input = Array("abc\ndef\n".utf8) + Array(repeating: UInt8(ascii: "x"), count: 1000)
        let (end, out) = try runWASI(try WASIFixture.compile("stdin"), stdin: input)
        #expect(end == .returned)
        #expect(out.text(1) == "ABC\nDEF\n" + String(repeating: "X", count: 1000) + "\nbytes=1008 lines=2 eof=1\n")
    }

    @Test("empty stdin is end of file at once")
    func emptyStdin() throws {
        let (end, out) = try runWASI(try WASIFixture.compile("stdin"))
        #expect(end == .returned)
        #expect(out.text(1) == "\nbytes=0 lines=0 eof=1\n")
    }

    @Test("clocks tell the host's time; random bytes differ between calls")
    func clockAndRandom() throws {
        let (end, out) = try runWASI(try WASIFixture.compile("clockrandom"))
        #expect(end == .returned)
        var fields: [String: String] = [:]
        for line in out.text(1).split(separator: "\n") {
            let kv = line.split(separator: "=", maxSplits: 1)
            if kv.count == 2 { fields[String(kv[0])] = String(kv[1]) }
        }
        let now = Int(Date().timeIntervalSince1970)
        let realtime = try #require(fields["realtime"].flatMap { Int($0) }, "output: \(out.text(1))")
        #expect(abs(realtime - now) <= 5)
        #expect(fields["monotonic_delta_ok"] == "1")
        let res = try #require(fields["res_ns"].flatMap { Int($0) })
        #expect(res > 0 && res <= 1_000_000)
        #expect(fields["random_differs"] == "1")
        #expect(fields["random_hex"]?.count == 16)
    }

    @Test("files are out of reach: fopen fails with ENOTCAPABLE, no trap")
    func noFiles() throws {
        let (end, out) = try runWASI(try WASIFixture.compile("files"))
        #expect(end == .returned)
        #expect(out.text(1) == "fopen failed errno=76\n")
    }

    @Test("bad pointers, fds and clock ids get errno answers, never a trap")
    func badPointers() throws {
        let (end, out) = try runWASI(try WASIFixture.compile("badpointers"))
        #expect(end == .returned)
        #expect(out.text(1) == """
            fd_write_bad_iovs=21
            fd_write_bad_buf=21
            fd_write_bad_fd=8
            fd_write_bad_result=21
            fd_write_too_many=28
            random_bad=21
            clock_bad_id=28
            clock_bad_ptr=21
            args_bad=21
            prestat_3=8
            path_open=52
            fd_read_stdout=8
            fd_seek_stdin=70

            """)
    }

    @Test("every preview1 function wasi-libc names links with its signature")
    func allImportsLink() throws {
        let bytes = try WASIFixture.compile("allimports")
        let module = try Module(bytes: bytes)
        #expect(module.imports.filter { $0.module == WASI.moduleName }.count == 45)
        let (end, out) = try runWASI(bytes)
        #expect(end == .returned)
        #expect(out.text(1) == "linked 45 functions\n")
    }

    @Test("a CPU-bound C program prints the same as its native build")
    func computeMatchesNative() throws {
        let native = try WASIFixture.runNative("compute")
        let (end, out) = try runWASI(try WASIFixture.compile("compute"))
        #expect(end == .returned)
        #expect(native.contains("sorted=1"))
        #expect(out.text(1) == native)
    }

    @Test("fuel still bounds a WASI program")
    func fuel() throws {
        let (end, _) = try runWASI(try WASIFixture.compile("hello"), limits: Limits(fuel: 50))
        #expect(end == .trap(.outOfFuel))
    }
}

// Bench kernel in Embedded Swift: fannkuch-redux (permutation flips) on n elements, with the checksum
// and maximum flip count folded into one UInt32. Linked with fannkuch_main.c (argv, printf).

@_cdecl("fannkuch_kernel")
public func fannkuchKernel(_ n: Int32) -> UInt32 {
    let count = Int(n)
    let perm = UnsafeMutablePointer<Int32>.allocate(capacity: count)
    let perm1 = UnsafeMutablePointer<Int32>.allocate(capacity: count)
    let cnt = UnsafeMutablePointer<Int32>.allocate(capacity: count)
    defer { perm.deallocate(); perm1.deallocate(); cnt.deallocate() }
    for i in 0..<count { perm1[i] = Int32(i); cnt[i] = 0 }
    var checksum: Int32 = 0
    var maxFlips: Int32 = 0
    var permCount: Int32 = 0
    var r = count
    while true {
        while r != 1 { cnt[r - 1] = Int32(r); r -= 1 }
        for i in 0..<count { perm[i] = perm1[i] }
        var flips: Int32 = 0
        var k = Int(perm[0])
        while k != 0 {
            var i = 0
            var j = k
            while i < j {
                let t = perm[i]; perm[i] = perm[j]; perm[j] = t
                i += 1; j -= 1
            }
            flips &+= 1
            k = Int(perm[0])
        }
        if flips > maxFlips { maxFlips = flips }
        checksum &+= (permCount & 1) == 0 ? flips : -flips
        while true {
            if r == count {
                return UInt32(bitPattern: checksum) &* 31 &+ UInt32(bitPattern: maxFlips)
            }
            let p0 = perm1[0]
            var i = 0
            while i < r { perm1[i] = perm1[i + 1]; i += 1 }
            perm1[r] = p0
            cnt[r] &-= 1
            if cnt[r] > 0 { break }
            r += 1
        }
        permCount &+= 1
    }
}

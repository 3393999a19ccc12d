// The host API's negative return codes, mirroring edge-config/sdk/c/ledge.h (the one list both SDKs use).

public enum HostErrorCode: Int32, Sendable, CaseIterable {
    case invalid = -1
    case notFound = -2
    case tooLarge = -3
    case denied = -4
    case limit = -5
    case quota = -6
    case buffer = -7
    case unavailable = -8
    case io = -9
    case model = -10
}

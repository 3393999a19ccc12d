// Topic names, filters and matching against the MQTT spec's rules (section 4.7), as a table.
import Testing
import LedgeMQTT

struct TopicFilterTests {
    static let matches: [(String, String, Bool)] = [
        // Exact and multi-level.
        ("a/b/c", "a/b/c", true),
        ("a/b/c", "a/b", false),
        ("a/b", "a/b/c", false),
        ("sport/tennis/player1/#", "sport/tennis/player1", true),
        ("sport/tennis/player1/#", "sport/tennis/player1/ranking", true),
        ("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true),
        ("sport/#", "sport", true),
        ("sport/#", "sports", false),
        ("#", "anything/at/all", true),
        ("#", "/", true),
        // Single level.
        ("sport/tennis/+", "sport/tennis/player1", true),
        ("sport/tennis/+", "sport/tennis/player2", true),
        ("sport/tennis/+", "sport/tennis/player1/ranking", false),
        ("sport/+", "sport", false),
        ("sport/+", "sport/", true),
        ("+", "a", true),
        ("+", "a/b", false),
        ("+/+", "/finance", true),
        ("/+", "/finance", true),
        ("+", "/finance", false),
        ("+/tennis/#", "sport/tennis/x", true),
        ("+/+/+", "a/b/c", true),
        ("+/+/+", "a/b", false),
        ("a/+/c", "a//c", true),
        ("a/+/#", "a/b", true),
        ("a/+/#", "a", false),
        // Case and bytes.
        ("ACCOUNTS", "Accounts", false),
        ("plant/ü/+", "plant/ü/x", true),
        // $-topics are not matched by filters starting with a wildcard.
        ("#", "$SYS/broker/load", false),
        ("+/monitor/Clients", "$SYS/monitor/Clients", false),
        ("$SYS/#", "$SYS/broker/load", true),
        ("$SYS/monitor/+", "$SYS/monitor/Clients", true),
        ("a/#", "a/$b", true),
        // Shared subscriptions match on the inner filter.
        ("$share/g1/plant/+/telemetry", "plant/x/telemetry", true),
        ("$share/g1/plant/+/telemetry", "plant/x/other", false),
        // Invalid filters or topics match nothing.
        ("a/#/b", "a/x/b", false),
        ("a+", "a+", false),
        ("a/b", "a/+", false),
        ("", "a", false),
        ("a", "", false),
    ]

    @Test("topicMatches follows the MQTT matching rules", arguments: matches)
    func matching(filter: String, topic: String, expected: Bool) {
        #expect(topicMatches(filter: filter, topic: topic) == expected, "filter '\(filter)' topic '\(topic)'")
    }

    @Test func validFilters() {
        for f in ["#", "+", "a/b", "a/+/c", "a/#", "+/+", "/", "//", "$SYS/#", "$share/group/a/+", "a/b/c/d/e/f/g"] {
            #expect(isValidTopicFilter(f), "\(f) should be valid")
        }
        for f in ["", "a#", "a/#/b", "#/a", "a+", "+a", "a/b+/c", "a\u{0}b", "$share/g", "$share//a", "$share/g+/a", "$share/g/", "##", "++"] {
            #expect(!isValidTopicFilter(f), "\(f) should be invalid")
        }
        #expect(isValidTopicFilter(String(repeating: "a", count: 65535)))
        #expect(!isValidTopicFilter(String(repeating: "a", count: 65536)))
    }

    @Test func validNames() {
        for t in ["a", "/", "a/b", "$SYS/x", "plant/site-1/engine/7/telemetry", "ü/ñ", " "] {
            #expect(isValidTopicName(t), "\(t) should be valid")
        }
        for t in ["", "a/+", "a/#", "#", "+", "a\u{0}"] {
            #expect(!isValidTopicName(t), "\(t) should be invalid")
        }
        #expect(!isValidTopicName(String(repeating: "x", count: 65536)))
    }
}

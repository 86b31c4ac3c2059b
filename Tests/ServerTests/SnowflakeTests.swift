import Testing

@testable import Server

@Suite struct SnowflakeTests {
    @Test func idsAreUniqueAndIncreasingWithinAMillisecond() throws {
        var generator = try #require(Snowflake(worker: 7))
        let now: UInt64 = 1_800_000_000_000
        var last: UInt64 = 0
        // More than one millisecond's sequence space: the generator must borrow the next millisecond.
        for _ in 0..<10_000 {
            let id = generator.next(nowMilliseconds: now)
            #expect(id > last)
            #expect((id >> 12) & 1023 == 7)
            last = id
        }
    }

    @Test func clockSteppingBackNeverRepeatsAnId() throws {
        var generator = try #require(Snowflake(worker: 1))
        let first = generator.next(nowMilliseconds: 1_800_000_000_000)
        let afterStepBack = generator.next(nowMilliseconds: 1_799_999_000_000)
        #expect(afterStepBack > first)
    }

    @Test func floorSurvivesARestartWithAnEarlierClock() throws {
        var before = try #require(Snowflake(worker: 3))
        var issued: Set<UInt64> = []
        var last: UInt64 = 0
        for _ in 0..<5_000 {
            last = before.next(nowMilliseconds: 1_800_000_000_000)
            issued.insert(last)
        }
        // The node restarts and its clock is a minute behind.
        var after = try #require(Snowflake(worker: 3, floor: last))
        for _ in 0..<5_000 {
            let id = after.next(nowMilliseconds: 1_799_999_940_000)
            #expect(id > last)
            #expect(!issued.contains(id))
        }
    }

    @Test func workerIdsOutOfRangeAreRefused() {
        #expect(Snowflake(worker: 1024) == nil)
        #expect(Snowflake.worker(derivedFrom: "node01") <= 1023)
        #expect(Snowflake.worker(derivedFrom: "node01") == Snowflake.worker(derivedFrom: "node01"))
    }

    @Test func idsEncodeTheirTime() throws {
        var generator = try #require(Snowflake(worker: 0))
        let now: UInt64 = 1_800_000_123_456
        #expect(Snowflake.milliseconds(of: generator.next(nowMilliseconds: now)) == now)
    }
}

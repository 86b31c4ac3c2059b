import Foundation
import Testing

extension ClusterTests.StableClusterTests {
    /// A write and a default read on a follower answer 307 to the leader with the original path and
    /// query still escaped, and succeed when the redirect is followed.
    @Test("Writes and default reads on a follower redirect (307) to the leader, escapes intact")
    func followerRedirects() throws {
        let cluster = try RaftdCluster.shared()
        let leader = try cluster.waitUntilStable()
        let follower = try #require(cluster.followers(of: leader).first)
        let name = uniqueName("redirect")
        // A key with a slash, an escaped slash, a space, an escaped '?' and a UTF-8 character.
        let path = "/key/\(name)/dir%2Fsub/a%20b%3Fc%E2%9C%93"
        let value = Array("value of \(name)".utf8)

        let put = try HTTPClient.put(follower.httpAddress, path + "?x=1%202&y", body: value)
        #expect(put.status == 307, "PUT on follower \(follower.id): \(put)")
        #expect(
            put.header("Location") == "http://\(leader.httpAddress)\(path)?x=1%202&y",
            "the Location repeats the path and query as sent: \(put)")
        let followed = try HTTPClient.put(follower.httpAddress, path + "?x=1%202&y", body: value, followRedirects: true)
        #expect(followed.status == 200, "\(followed)")
        #expect(
            followed.address == leader.httpAddress && followed.redirectedFrom == [follower.httpAddress], "\(followed)")

        for query in ["", "?level=default"] {
            let read = try HTTPClient.get(follower.httpAddress, path + query)
            #expect(read.status == 307, "GET\(query) on follower: \(read)")
            #expect(read.header("Location") == "http://\(leader.httpAddress)\(path)\(query)", "\(read)")
            let readFollowed = try HTTPClient.get(follower.httpAddress, path + query, followRedirects: true)
            #expect(readFollowed.status == 200 && readFollowed.body == value, "GET\(query) followed: \(readFollowed)")
        }
        let delete = try HTTPClient.send("DELETE", follower.httpAddress, path)
        #expect(delete.status == 307 && delete.header("Location") == "http://\(leader.httpAddress)\(path)", "\(delete)")
        // Lease writes redirect the same way.
        let grant = try HTTPClient.send("POST", follower.httpAddress, "/lease/grant?ttl=5&name=%2Fr%20x")
        #expect(grant.status == 307, "\(grant)")
        #expect(grant.header("Location") == "http://\(leader.httpAddress)/lease/grant?ttl=5&name=%2Fr%20x", "\(grant)")
    }

    /// `?level=stale` answers from the follower's own copy (no redirect, 404 for a missing key);
    /// `?level=consistent` on a follower redirects, and on the leader returns the last acknowledged
    /// write every time.
    @Test("Stale reads answer locally; consistent reads return the last acknowledged write")
    func readLevels() throws {
        let cluster = try RaftdCluster.shared()
        let leader = try cluster.waitUntilStable()
        let followers = cluster.followers(of: leader)
        let key = "/key/\(uniqueName("levels"))"

        for follower in followers {
            let missing = try HTTPClient.get(follower.httpAddress, key + "?level=stale")
            expectJSONError(missing, 404, "stale read of a missing key on \(follower.id)")
        }
        // Each acknowledged write is what the next consistent read on the leader returns; the writes
        // alternate between the leader and a follower (redirect followed).
        for round in 0..<20 {
            let value = Array("round \(round)".utf8)
            let writer = round % 2 == 0 ? leader : followers[round % followers.count]
            let put = try HTTPClient.put(writer.httpAddress, key, body: value, followRedirects: true)
            try #require(put.status == 200, "write \(round) through \(writer.id): \(put)")
            let read = try HTTPClient.get(leader.httpAddress, key + "?level=consistent")
            #expect(read.status == 200 && read.body == value, "consistent read after write \(round): \(read)")
        }
        let last = Array("round 19".utf8)
        for follower in followers {
            let consistent = try HTTPClient.get(follower.httpAddress, key + "?level=consistent")
            #expect(consistent.status == 307, "consistent read on \(follower.id) redirects: \(consistent)")
            #expect(
                consistent.header("Location") == "http://\(leader.httpAddress)\(key)?level=consistent", "\(consistent)")
            let followed = try HTTPClient.get(follower.httpAddress, key + "?level=consistent", followRedirects: true)
            #expect(followed.status == 200 && followed.body == last, "\(followed)")
            // The follower catches up and then answers the stale read itself, without a redirect.
            let stale = try poll("\(follower.id) to apply the last write", timeout: 10) { lastSeen -> HTTPResponse? in
                let response = try HTTPClient.get(follower.httpAddress, key + "?level=stale")
                lastSeen = "\(response)"
                return response.status == 200 && response.body == last ? response : nil
            }
            #expect(stale.redirectedFrom.isEmpty && stale.address == follower.httpAddress)
        }
    }

    /// Keys with `/` and percent-escapes are stored under their decoded bytes and round-trip through
    /// PUT, GET and DELETE.
    @Test("Keys with slashes and percent-escapes round-trip")
    func escapedKeys() throws {
        let cluster = try RaftdCluster.shared()
        let leader = try cluster.waitUntilStable()
        let base = uniqueName("escapes")
        let keys = [
            "/key/\(base)/services/web/1",
            "/key/\(base)%2Fencoded%2Fslash",
            "/key/\(base)/space%20and%25percent",
            "/key/\(base)/utf8-%E2%9C%93-%F0%9F%98%80",
            "/key/\(base)/plus+sign",
            "/key/\(base)/query%3Fmark%23hash%26amp",
        ]
        for (index, key) in keys.enumerated() {
            let value = Array("value \(index)".utf8)
            let put = try HTTPClient.put(leader.httpAddress, key, body: value)
            #expect(put.status == 200, "PUT \(key): \(put)")
            let get = try HTTPClient.get(leader.httpAddress, key)
            #expect(get.status == 200 && get.body == value, "GET \(key): \(get)")
        }
        // In a path '+' is a plus, not a space: these are different keys.
        let spaced = try HTTPClient.get(leader.httpAddress, "/key/\(base)/plus%20sign")
        expectJSONError(spaced, 404, "'+' in a key path must not read as a space")
        // %2B is the escaped '+': the same key.
        let escapedPlus = try HTTPClient.get(leader.httpAddress, "/key/\(base)/plus%2Bsign")
        #expect(escapedPlus.status == 200 && escapedPlus.text == "value 4", "\(escapedPlus)")
        for key in keys {
            let delete = try HTTPClient.send("DELETE", leader.httpAddress, key)
            #expect(delete.status == 200, "DELETE \(key): \(delete)")
            let gone = try HTTPClient.get(leader.httpAddress, key)
            expectJSONError(gone, 404, "GET \(key) after DELETE")
            let again = try HTTPClient.send("DELETE", leader.httpAddress, key)
            #expect(again.status == 200, "deleting a missing key is 200 as well: \(again)")
        }
    }
}

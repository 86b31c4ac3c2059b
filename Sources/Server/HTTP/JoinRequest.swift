import Foundation

/// The JSON body of `POST /join`: `{"id","httpAddr","raftAddr"}`.
struct JoinRequest: Decodable, Sendable {
    var id: String
    var httpAddr: String
    var raftAddr: String

    /// Decodes and checks a join body.
    static func parse(_ body: [UInt8]) throws(APIError) -> JoinRequest {
        let request: JoinRequest
        do {
            request = try JSONDecoder().decode(JoinRequest.self, from: Data(body))
        } catch {
            throw .badRequest("join body must be JSON {\"id\",\"httpAddr\",\"raftAddr\"}")
        }
        guard !request.id.isEmpty else { throw .badRequest("join: empty id") }
        guard HostPort(request.httpAddr) != nil else { throw .badRequest("join: httpAddr must be HOST:PORT") }
        guard HostPort(request.raftAddr) != nil else { throw .badRequest("join: raftAddr must be HOST:PORT") }
        return request
    }
}

/// The body of `POST /remove`: `{"id"}`.
struct RemoveRequest: Decodable, Sendable {
    var id: String

    /// Decodes and checks a remove body.
    static func parse(_ body: [UInt8]) throws(APIError) -> RemoveRequest {
        let request: RemoveRequest
        do {
            request = try JSONDecoder().decode(RemoveRequest.self, from: Data(body))
        } catch {
            throw .badRequest("remove body must be JSON {\"id\"}")
        }
        guard !request.id.isEmpty else { throw .badRequest("remove: empty id") }
        return request
    }
}

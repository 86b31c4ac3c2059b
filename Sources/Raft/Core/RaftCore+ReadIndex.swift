/// Linearizable reads without writing to the log (thesis §6.4): the leader notes its commit index,
/// confirms with a heartbeat round that it still leads, and answers with that index.
extension RaftCore {
    /// Handles a read request from `from` (this server or a follower) on the leader.
    func handleReadIndexRequest(from requester: NodeID, context: [UInt8]) throws {
        let voters = configurations.latest.voters
        if voters == [id] {
            // A lone voter is a quorum by itself.
            answerRead(to: requester, index: log.committed, context: context)
            return
        }
        // Until it commits an entry of its term, a new leader does not know the true commit index.
        guard try log.termIfPresent(at: log.committed) == term else {
            deferredReadRequests.append((requester, context))
            return
        }
        readIndexQueue.add(context: context, index: log.committed, from: requester, leader: id)
        broadcastHeartbeat(context: context)
    }

    /// Counts a heartbeat acknowledgement; answers every request it completes.
    func acknowledgeReadIndex(context: [UInt8], from peer: NodeID) throws {
        guard let acks = readIndexQueue.acknowledge(context: context, from: peer) else { return }
        let voters = configurations.latest.voters
        let votes = voters.count { acks.contains($0) }
        guard votes >= RaftCore.quorum(of: voters) else { return }
        for request in readIndexQueue.release(through: context) {
            answerRead(to: request.from, index: request.index, context: request.context)
        }
    }

    /// Delivers a read answer locally or to the follower that asked.
    func answerRead(to requester: NodeID, index: UInt64, context: [UInt8]) {
        if requester == id {
            pendingReadStates.append(ReadState(index: index, context: context))
        } else {
            send(to: requester, .readIndexResponse(index: index, context: context))
        }
    }
}

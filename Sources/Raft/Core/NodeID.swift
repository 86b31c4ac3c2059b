/// The identity of a Raft server: a non-zero number unique within a cluster.
///
/// Zero is reserved to mean "no one" (no vote cast, no known leader), as etcd-io/raft does.
public typealias NodeID = UInt64

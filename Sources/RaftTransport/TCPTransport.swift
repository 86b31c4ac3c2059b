import NIOCore
import NIOPosix
import Raft

extension Bucket {
    /// Splits `node` into page-sized nodes now, during the transaction, once it has grown past two
    /// pages, and then its parent if that in turn grew too large.
    ///
    /// Nodes are otherwise only split at commit (as bbolt does), which makes a transaction that puts
    /// many keys into one region of the tree quadratic: every insert shifts a node that holds all of
    /// them. The new nodes get temporary ids so that their parent's entries can name them; at commit
    /// they are written like any other node.
    func splitIfOversized(_ node: Node) {
        let pageSize = tx.space.pageSize
        guard node.byteSize > 2 * pageSize else { return }
        let ranges = node.splitRanges(pageSize: pageSize)
        guard ranges.count > 1 else { return }

        let parent: Node
        if let existing = node.parent {
            parent = existing
        } else {
            // The root splits: a new root above it, naming it under a temporary id if it has no page.
            if node.pageID == 0 {
                // A new bucket's root, owned by `rootNode` alone until now.
                node.pageID = tx.temporaryPageID()
                nodes.append(node)
            }
            parent = Node(isLeaf: false, pageID: tx.temporaryPageID(), parent: nil)
            nodes.append(parent)
            node.key = node.entries[0].key
            parent.insert(NodeEntry(key: node.key, child: node.pageID, node: node), at: 0)
            node.parent = parent
            rootNode = parent
        }

        let all = node.entries
        let materializedChildren = node.isLeaf ? [] : node.materializedChildren
        node.entries = Array(all[ranges[0]])
        node.byteSize = node.encodedSize
        node.matchesPage = false
        var position = (parent.indexOfChild(pageID: node.pageID) ?? parent.entries.count - 1) + 1
        var pieces: [Node] = [node]
        for range in ranges.dropFirst() {
            let piece = Node(isLeaf: node.isLeaf, pageID: tx.temporaryPageID(), parent: parent)
            piece.entries = Array(all[range])
            piece.byteSize = piece.encodedSize
            piece.key = piece.entries[0].key
            piece.appendOnly = node.appendOnly
            piece.unwrittenOverflowValues = node.unwrittenOverflowValues
            nodes.append(piece)
            parent.insert(NodeEntry(key: piece.key, child: piece.pageID, node: piece), at: position)
            position += 1
            pieces.append(piece)
        }
        // Materialized children follow their entries into the new nodes.
        if !materializedChildren.isEmpty {
            for piece in pieces {
                for child in piece.materializedChildren { child.parent = piece }
            }
        }
        tx.counters.splits += ranges.count - 1
        mutationCount &+= 1
        splitIfOversized(parent)
    }
}

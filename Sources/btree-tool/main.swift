import BTree

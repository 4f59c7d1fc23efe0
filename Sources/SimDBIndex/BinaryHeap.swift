/// Binary-heap sifting over an array, shared by ``TopK`` and the HNSW search queues.
///
/// `above(a, b)` says whether `a` belongs nearer the root than `b`. The closures are not
/// escaping and the functions are inlined, so each heap's comparison is compiled in place.
extension Array {
    /// Moves the element at `index` up until its parent belongs above it.
    @inline(__always)
    mutating func siftUp(_ index: Int, by above: (Element, Element) -> Bool) {
        var child = index
        while child > 0 {
            let parent = (child - 1) / 2
            guard above(self[child], self[parent]) else { return }
            swapAt(child, parent)
            child = parent
        }
    }

    /// Moves the element at `index` down until neither child belongs above it.
    @inline(__always)
    mutating func siftDown(_ index: Int, by above: (Element, Element) -> Bool) {
        var parent = index
        while true {
            let left = 2 * parent + 1, right = left + 1
            var top = parent
            if left < count, above(self[left], self[top]) { top = left }
            if right < count, above(self[right], self[top]) { top = right }
            if top == parent { return }
            swapAt(parent, top)
            parent = top
        }
    }
}

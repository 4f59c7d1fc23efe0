import SimDBCatalog
import SimDBCore
import SimDBIndex

extension Store {
    /// The search index's settings and state.
    public func indexStatus() throws -> IndexStatus {
        try audited("index") { entry, _ in
            let status = try index.status()
            entry.detail = "status"
            return status
        }
    }

    /// Changes the index settings. A new `m`, `efConstruction` or seed rebuilds the graph, and
    /// so does enabling it on a store past the threshold; disabling drops it.
    /// - Parameter progress: called with (vectors linked, vectors to link) during a build.
    /// - Throws: ``SimDBError`` `.invalidArgument` for a value out of range, or from the storage.
    @discardableResult
    public func configureIndex(_ settings: IndexSettings, progress: ((Int, Int) -> Void)? = nil) throws -> IndexStatus {
        try audited("index") { entry, _ in
            try exclusively { try index.updateSettings(settings, progress: progress) }
            entry.detail = "configure enabled=\(settings.enabled) exact-below=\(settings.exactBelow) "
                + "m=\(settings.hnsw.m) ef-construction=\(settings.hnsw.efConstruction) ef-search=\(settings.hnsw.efSearch)"
            return try index.status()
        }
    }

    /// Drops the HNSW graph and builds it again from every template.
    /// - Parameter progress: called with (vectors linked, vectors to link) after each step.
    @discardableResult
    public func rebuildIndex(progress: ((Int, Int) -> Void)? = nil) throws -> IndexStatus {
        try audited("index") { entry, _ in
            try exclusively { try index.rebuild(progress: progress) }
            entry.detail = "rebuild"
            return try index.status()
        }
    }

    /// Checks that the vectors and the HNSW graph agree (see SimDBIndex's
    /// `IndexedVectorStore.check(limit:)`).
    /// - Returns: the problems found, one line each; empty when consistent.
    public func checkIndex() throws -> [String] {
        try audited("index") { entry, _ in
            let problems = try index.check()
            entry.detail = problems.isEmpty ? "check: consistent" : "check: \(problems.count) problems"
            return problems
        }
    }
}

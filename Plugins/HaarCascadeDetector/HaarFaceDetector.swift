import Foundation
import SimDBCore

/// A ``FaceDetector`` over OpenCV's frontal face cascade: the picture made grey, given a border
/// repeating its edge pixels (room for a window around a face cropped tight), and searched; when
/// that finds no face, the picture is searched again as it is (``searchesAgainWithoutBorder``),
/// and then turned copies of it (``turnAngles``), for a tilted head, and then with other cascades
/// (``fallbacks``). Where a second cascade is given (``confirmingCascade``), a frontal search
/// keeps only its confirmed faces when it has some, and one more search, finer, is made where no
/// search has found one; where the frontal searches keep no face, an equalized copy is searched
/// before the turned ones (``searchesEqualized``). A face whose eyes are found may be kept however
/// weakly supported (``keepsFacesWithEyes``).
/// With an eye cascade, each face's eyes are then looked for in the upper part of its box,
/// enlarged to a fixed width (the eye cascade's smallest window is 20 pixels): the best-supported
/// eye on each side of the box's centre, when both are found.
public struct HaarFaceDetector: FaceDetector {
    /// The identifier of the standard set-up: the default cascades, search and border, the
    /// searches made again where none finds a face (``searchesAgainWithoutBorder``,
    /// ``standardTurnAngles``, ``FallbackCascade/standard(directory:)``), overlapping faces
    /// dropped (``standardMaximumOverlap``), large pictures shrunk (``standardMaximumSearchSide``)
    /// and faces confirmed (``confirmingCascade``, ``standardFinerScaleFactor``), dark pictures
    /// equalized (``searchesEqualized``), faces with both eyes kept however weakly supported
    /// (``keepsFacesWithEyes``).
    public static let standardIdentifier = "haar-frontalface/5"
    /// Every standard set-up, oldest first (the last is ``standardIdentifier``): `/1` searched
    /// once; `/2` searches again where nothing is found; `/3` also tries other cascades, drops
    /// overlapping faces and shrinks large pictures; `/4` also confirms faces and equalizes dark
    /// pictures; `/5` also keeps a weakly supported face whose eyes are found. A store keeps the
    /// set-up it was created with, so its pictures stay framed as its vectors were;
    /// ``standardSetUp(_:)`` makes each of them from one detector's cascades.
    public static let standardIdentifiers = ["haar-frontalface/1", "haar-frontalface/2", "haar-frontalface/3", "haar-frontalface/4",
                                             standardIdentifier]
    /// ``standardIdentifier`` unless the creator named its own set-up.
    public let identifier: String
    public let classifier: CascadeClassifier
    public let eyeClassifier: CascadeClassifier?
    public let search: CascadeSearch
    /// The border, as a fraction of the picture's larger side.
    public let padding: Double
    /// The standard set-up's ``padding``: room for a window around ORL's tight crops.
    public static let standardPadding = 0.25
    /// Faces supported by fewer windows than this fraction of the best-supported face's are
    /// dropped: in cluttered photos the cascade's false faces gather a handful of windows where
    /// a real face gathers dozens, and a false face larger than the real one would otherwise be
    /// the one enrolled. 0 keeps every face `detectMultiScale` keeps.
    public let minimumRelativeSupport: Double
    /// The standard set-up's ``minimumRelativeSupport``. Confirmation (``confirmingCascade``)
    /// drops most false faces, so it keeps weaker faces than `/1`-`/3`'s 0.2
    /// (``unconfirmedMinimumRelativeSupport``), which lost the second person of one generated
    /// two-person scene in ten.
    public static let standardMinimumRelativeSupport = 0.1
    /// The ``minimumRelativeSupport`` of `/1`-`/3`, which confirm no face.
    public static let unconfirmedMinimumRelativeSupport = 0.2
    /// Whether a frontal search (with a ``confirmingCascade``) keeps a face whose eyes the eye
    /// cascade found however few windows support it: ``minimumRelativeSupport`` then drops only
    /// faces without both eyes. Beside a face the cascade accepts at 70-150 windows, the second
    /// person of a photo sometimes gathers only 6-12, under a tenth, while both eyes in the
    /// upper part of a box are what a false face (an ellipse, a fold) nearly never has
    /// (docs/detection.md).
    public let keepsFacesWithEyes: Bool
    /// Whether a picture whose bordered search finds no face is searched again without the
    /// border. The border moves the grid of window positions, so a face the cascade barely
    /// accepts (a tilted or lowered head: four to six agreeing windows where three are needed)
    /// can be found on one grid and missed on the other. Only pictures that found no face are
    /// searched twice, so whatever the first search finds is kept exactly as it was.
    public let searchesAgainWithoutBorder: Bool
    /// The angles, in degrees, by which copies of the picture are turned and searched (with the
    /// border) when the searches of the picture as it stands find no face: the frontal cascade
    /// accepts a head tilted by some 10-15 degrees, these reach further. The copy whose face is
    /// best supported wins; its faces come back in the picture's own pixels, each with eyes
    /// where its box places them, so that alignment turns the face upright again.
    public let turnAngles: [Double]
    /// The standard set-up's ``turnAngles``.
    public static let standardTurnAngles: [Double] = [-20, 20]
    /// Of two faces whose boxes overlap by more than this (intersection over union), only the
    /// better supported is kept (the larger on a tie). The cascade sometimes accepts, beside a
    /// real face, a weakly supported box shifted a third of a face onto the hair or the chin:
    /// too far from the face's windows to be grouped with them, not inside its box, so grouping
    /// keeps both, and the larger, wrong one would be the face used. Two people's faces rarely
    /// overlap this much. 1 keeps every face, as `detectMultiScale` does.
    public let maximumOverlap: Double
    /// The standard set-up's ``maximumOverlap``.
    public static let standardMaximumOverlap = 0.3
    /// A picture whose larger side is longer than this is searched on a copy shrunk to it
    /// (``GreyImage/shrunk(toLargerSide:)``), its faces' boxes and eyes scaled back to the
    /// picture's pixels. The search builds summed-area tables at every scale, so a phone's
    /// 4032 × 3024 photo searched whole costs seconds and hundreds of megabytes; shrunk to 1024,
    /// a face of under 30 of the copy's pixels (about 120 of the photo's) is missed, which is
    /// rarely the subject of a photo. `nil` searches every picture whole.
    public let maximumSearchSide: Int?
    /// The standard set-up's ``maximumSearchSide``.
    public static let standardMaximumSearchSide = 1024
    /// Other cascades searched, in order, with the border, where the frontal cascade found no
    /// face in any of its searches; the first that finds one gives the faces (boxes put into the
    /// frontal cascade's framing, eyes looked for as usual). Each file is read on first use.
    public let fallbacks: [FallbackCascade]
    /// A second opinion on the frontal cascade's faces. A face is *confirmed* when the eye cascade
    /// finds both its eyes or this cascade (another trained model) accepts windows of about its
    /// size and place. A frontal search that finds some confirmed faces keeps only those: false
    /// faces in clutter (a green ellipse, a shadowed fold) rarely have either, while a real face
    /// seen well enough to be encoded nearly always has one (docs/detection.md: of 17 false faces
    /// in generated scenes, 1 is confirmed, itself a second real face in a pasted photo; of
    /// LFW-train's main faces, 0.7 % are not). One that finds
    /// only unconfirmed faces lets the next search try: the picture without the border, then
    /// searched finer (``finerScaleFactor``); if none confirms a face, the first faces found are
    /// kept, as without a second opinion. `nil`: every face the frontal cascade finds is kept.
    public let confirmingCascade: FallbackCascade?
    /// The scale step of the last frontal search, made (with the border) only where the others
    /// found no confirmed face, and kept only if it finds one: the cascade accepts some faces at
    /// none of 1.1's scales, while a false face elsewhere is found first. `nil` makes none.
    public let finerScaleFactor: Double?
    /// The standard set-up's ``finerScaleFactor``.
    public static let standardFinerScaleFactor = 1.05
    /// Whether a picture in which the frontal searches keep no face is searched once more, with
    /// the border, its histogram equalized (``GreyImage/equalized()``, as OpenCV's face detection
    /// examples do before `detectMultiScale`), before the turned copies and other cascades. The
    /// cascade normalises each window's contrast, but not a face lit from one side in a dark
    /// picture: on the 903 Extended Yale B pictures in which no other search of `/4` found a face,
    /// OpenCV found one in 585 this way (542 of them face-sized and central), and none in the
    /// 4,816 faceless Omniglot pictures.
    public let searchesEqualized: Bool
    /// Where a face box places the eyes, as fractions of its width and height (the medians over
    /// faces whose eyes the eye cascade found, in the generated scenes of docs/detection.md).
    static let typicalEyes = (left: (x: Float(0.31), y: Float(0.39)), right: (x: Float(0.67), y: Float(0.39)))
    /// The width face boxes are scaled to before the eye search.
    static let eyeSearchWidth = 160

    /// - Parameters:
    ///   - cascadePath: the cascade file; by default `haarcascade_frontalface_default.xml` from
    ///     Debian's `opencv-data` package.
    ///   - search: OpenCV's `detectMultiScale` parameters.
    ///   - padding: the border, as a fraction of the larger side (0.25 lets ORL's tight crops hold a window).
    /// - Throws: what reading the cascade throws (`.notFound` naming the package when it is missing).
    ///   - eyeCascadePath: the eye cascade, or `nil` to find no eyes.
    ///   - minimumRelativeSupport: see ``minimumRelativeSupport``.
    ///   - searchAgainWithoutBorder: see ``searchesAgainWithoutBorder``.
    ///   - turnAngles: see ``turnAngles``.
    ///   - maximumOverlap: see ``maximumOverlap``.
    ///   - maximumSearchSide: see ``maximumSearchSide``.
    ///   - fallbacks: see ``fallbacks``; `nil` for the standard ones, in the frontal cascade's directory.
    ///   - confirmsFaces: whether faces are confirmed by the standard ``confirmingCascade``,
    ///     `frontalface_alt` in the frontal cascade's directory (read once with the standard fallbacks).
    ///   - finerScaleFactor: see ``finerScaleFactor``; without `confirmsFaces` there is no finer search.
    ///   - searchEqualized: see ``searchesEqualized``.
    ///   - keepFacesWithEyes: see ``keepsFacesWithEyes``; without `confirmsFaces` it is not done.
    ///   - identifier: what to call this set-up; give a name of your own with other files or parameters.
    public init(identifier: String = HaarFaceDetector.standardIdentifier,
                cascadePath: String = HaarCascade.standardFrontalFacePath,
                eyeCascadePath: String? = HaarCascade.standardEyePath,
                search: CascadeSearch = CascadeSearch(), padding: Double = HaarFaceDetector.standardPadding,
                minimumRelativeSupport: Double = HaarFaceDetector.standardMinimumRelativeSupport,
                searchAgainWithoutBorder: Bool = true,
                turnAngles: [Double] = HaarFaceDetector.standardTurnAngles,
                maximumOverlap: Double = HaarFaceDetector.standardMaximumOverlap,
                maximumSearchSide: Int? = HaarFaceDetector.standardMaximumSearchSide,
                fallbacks: [FallbackCascade]? = nil, confirmsFaces: Bool = true,
                finerScaleFactor: Double? = HaarFaceDetector.standardFinerScaleFactor,
                searchEqualized: Bool = true, keepFacesWithEyes: Bool = true) throws {
        let directory = (cascadePath as NSString).deletingLastPathComponent
        let standardFallbacks = FallbackCascade.standard(directory: directory)
        self.init(identifier: identifier, classifier: CascadeClassifier(try HaarCascade(contentsOf: cascadePath)),
                  eyeClassifier: try eyeCascadePath.map { CascadeClassifier(try HaarCascade(contentsOf: $0)) },
                  search: search, padding: padding, minimumRelativeSupport: minimumRelativeSupport,
                  searchAgainWithoutBorder: searchAgainWithoutBorder, turnAngles: turnAngles, maximumOverlap: maximumOverlap,
                  maximumSearchSide: maximumSearchSide, fallbacks: fallbacks ?? standardFallbacks,
                  confirmingCascade: confirmsFaces ? standardFallbacks.first : nil,
                  finerScaleFactor: confirmsFaces ? finerScaleFactor : nil,
                  searchesEqualized: searchEqualized, keepsFacesWithEyes: confirmsFaces && keepFacesWithEyes)
    }

    private init(identifier: String, classifier: CascadeClassifier, eyeClassifier: CascadeClassifier?, search: CascadeSearch,
                 padding: Double, minimumRelativeSupport: Double, searchAgainWithoutBorder: Bool, turnAngles: [Double],
                 maximumOverlap: Double, maximumSearchSide: Int?, fallbacks: [FallbackCascade],
                 confirmingCascade: FallbackCascade?, finerScaleFactor: Double?, searchesEqualized: Bool,
                 keepsFacesWithEyes: Bool) {
        precondition(maximumSearchSide.map { $0 > 0 } ?? true, "the largest side searched must be positive")
        precondition(finerScaleFactor.map { $0 > 1 } ?? true, "a scale step must be above 1")
        precondition(finerScaleFactor == nil || confirmingCascade != nil, "the finer search looks for a confirmed face")
        precondition(!keepsFacesWithEyes || confirmingCascade != nil, "faces with eyes are kept by the confirming searches")
        self.identifier = identifier
        self.classifier = classifier
        self.eyeClassifier = eyeClassifier
        self.search = search
        self.padding = padding
        self.minimumRelativeSupport = minimumRelativeSupport
        searchesAgainWithoutBorder = searchAgainWithoutBorder
        self.turnAngles = turnAngles
        self.maximumOverlap = maximumOverlap
        self.maximumSearchSide = maximumSearchSide
        self.fallbacks = fallbacks
        self.confirmingCascade = confirmingCascade
        self.finerScaleFactor = finerScaleFactor
        self.searchesEqualized = searchesEqualized
        self.keepsFacesWithEyes = keepsFacesWithEyes
    }

    /// The standard set-up called `identifier` (one of ``standardIdentifiers``), with this
    /// detector's cascades (read once, shared by every set-up; its fallbacks for `/3` to `/5`,
    /// its confirming cascade, finer and equalized searches for `/4` and `/5`, faces with eyes kept
    /// for `/5`), or `nil` for another identifier.
    public func standardSetUp(_ identifier: String) -> HaarFaceDetector? {
        guard let version = Self.standardIdentifiers.firstIndex(of: identifier).map({ $0 + 1 }) else { return nil }
        return HaarFaceDetector(identifier: identifier, classifier: classifier, eyeClassifier: eyeClassifier,
                                search: CascadeSearch(), padding: Self.standardPadding,
                                minimumRelativeSupport: version >= 4 ? Self.standardMinimumRelativeSupport
                                    : Self.unconfirmedMinimumRelativeSupport,
                                searchAgainWithoutBorder: version >= 2, turnAngles: version >= 2 ? Self.standardTurnAngles : [],
                                maximumOverlap: version >= 3 ? Self.standardMaximumOverlap : 1,
                                maximumSearchSide: version >= 3 ? Self.standardMaximumSearchSide : nil,
                                fallbacks: version >= 3 ? fallbacks : [],
                                confirmingCascade: version >= 4 ? confirmingCascade ?? FallbackCascade.standard()[0] : nil,
                                finerScaleFactor: version >= 4 ? Self.standardFinerScaleFactor : nil,
                                searchesEqualized: version >= 4, keepsFacesWithEyes: version >= 5)
    }

    public func detectFaces(in image: Image) throws -> [DetectedFace] {
        let whole = GreyImage(image)
        guard let side = maximumSearchSide, max(whole.width, whole.height) > side else { return try detectFaces(in: whole) }
        let shrunk = whole.shrunk(toLargerSide: side)
        let scale = Float(max(whole.width, whole.height)) / Float(max(shrunk.width, shrunk.height))
        func scaled(_ point: (x: Float, y: Float)) -> (x: Float, y: Float) { (point.x * scale, point.y * scale) }
        func scaled(_ value: Int) -> Int { Int((Float(value) * scale).rounded()) }
        return try detectFaces(in: shrunk).map { face in
            DetectedFace(box: PixelBox(x: scaled(face.box.x), y: scaled(face.box.y), width: scaled(face.box.width), height: scaled(face.box.height)),
                         score: face.score, eyes: face.eyes.map { (scaled($0.left), scaled($0.right)) })
        }
    }

    /// The faces in `grey`, searched as ``detectFaces(in:)`` says, with no shrinking.
    func detectFaces(in grey: GreyImage) throws -> [DetectedFace] {
        let border = Int((Double(max(grey.width, grey.height)) * padding).rounded())
        var faces = try frontalFaces(in: grey, border: border)
        if faces.isEmpty, searchesEqualized { faces = detectFaces(in: grey.equalized(), border: border) }
        guard faces.isEmpty else { return faces }
        func support(_ faces: [DetectedFace]) -> Float { faces.map(\.score).max() ?? 0 }
        faces = turnAngles.map { detectFaces(in: grey, turnedBy: Float($0) * .pi / 180, border: border) }
            .max { support($0) < support($1) } ?? []
        for fallback in fallbacks where faces.isEmpty {
            let classifier = try fallback.classifier()
            let found = { (picture: GreyImage) in self.detectFaces(in: picture, border: border, using: classifier, framing: fallback.framed) }
            faces = found(grey)
            if fallback.searchesMirrored {
                let mirrored = found(grey.mirrored()).map { Self.mirrored($0, width: grey.width) }
                if support(mirrored) > support(faces) { faces = mirrored }
            }
        }
        return faces
    }

    /// The faces of the frontal cascade's searches of the upright picture: with a border of
    /// `border` pixels, then (``searchesAgainWithoutBorder``) without. With no
    /// ``confirmingCascade``, the first search's faces that finds any. With one, the confirmed
    /// faces of the first search that has some, the finer search (``finerScaleFactor``) looking
    /// last; failing that, the first faces the first two found (the finer search's unconfirmed
    /// faces are not kept: it is a last look for a confirmed one). With ``keepsFacesWithEyes``, a
    /// search's faces with both eyes count as confirmed and supported however few windows agree.
    func frontalFaces(in grey: GreyImage, border: Int) throws -> [DetectedFace] {
        var searches = [(border: border, search: search)]
        if border > 0, searchesAgainWithoutBorder { searches.append((0, search)) }
        guard let confirmingCascade else {
            for (border, search) in searches {
                let found = detectFaces(in: grey, border: border, search: search)
                if !found.isEmpty { return found }
            }
            return []
        }
        // With keepsFacesWithEyes the search keeps weakly supported faces, for their eyes, and the
        // support rule is applied here, to the faces without both eyes (without it, the search
        // has applied the rule already and applying it again changes nothing).
        func searched(border: Int, search: CascadeSearch) -> [DetectedFace] {
            detectFaces(in: grey, border: border, search: search, minimumRelativeSupport: keepsFacesWithEyes ? 0 : nil)
        }
        func supported(_ found: [DetectedFace]) -> [DetectedFace] {
            Self.supported(found, minimumRelativeSupport: minimumRelativeSupport)
        }
        func confirmed(_ found: [DetectedFace]) throws -> [DetectedFace] {
            let supportedBoxes = Set(supported(found).map(\.box))
            return try found.filter { face in
                try face.eyes != nil || supportedBoxes.contains(face.box) && isConfirmed(face, in: grey, by: confirmingCascade)
            }
        }
        var firstFound: [DetectedFace] = []
        for (border, search) in searches {
            let found = searched(border: border, search: search)
            let kept = try confirmed(found)
            if !kept.isEmpty { return kept }
            if firstFound.isEmpty { firstFound = supported(found) }
        }
        if let finerScaleFactor {
            var finer = search
            finer.scaleFactor = finerScaleFactor
            let kept = try confirmed(searched(border: border, search: finer))
            if !kept.isEmpty { return kept }
        }
        return firstFound
    }

    /// `face`, found in a picture `width` pixels wide mirrored left to right, in the picture's
    /// own pixels: the box mirrored back, and the eyes, which trade sides.
    static func mirrored(_ face: DetectedFace, width: Int) -> DetectedFace {
        let box = face.box
        func back(_ point: (x: Float, y: Float)) -> (x: Float, y: Float) { (Float(width) - point.x, point.y) }
        return DetectedFace(box: PixelBox(x: width - box.x - box.width, y: box.y, width: box.width, height: box.height),
                            score: face.score, eyes: face.eyes.map { (back($0.right), back($0.left)) })
    }

    /// The faces in `grey` turned by `angle` radians (``GreyImage/turned(by:)``), searched with
    /// a border of `border` pixels, in `grey`'s own pixels: each box turned back about its
    /// centre (its size kept), with eyes where the box places them, turned back too. The face
    /// stands upright in the turned copy, so alignment turns its cut back by exactly `angle`.
    func detectFaces(in grey: GreyImage, turnedBy angle: Float, border: Int) -> [DetectedFace] {
        detectFaces(in: grey.turned(by: angle), border: border, withEyes: false).map { face in
            let box = face.box
            func placed(_ eye: (x: Float, y: Float)) -> (x: Float, y: Float) {
                (Float(box.x) + eye.x * Float(box.width), Float(box.y) + eye.y * Float(box.height))
            }
            let eyes = (left: placed(Self.typicalEyes.left), right: placed(Self.typicalEyes.right))
            let centre = grey.pointBeforeTurn((Float(box.x) + Float(box.width) / 2, Float(box.y) + Float(box.height) / 2), by: angle)
            return DetectedFace(box: PixelBox(x: Int((centre.x - Float(box.width) / 2).rounded()),
                                              y: Int((centre.y - Float(box.height) / 2).rounded()),
                                              width: box.width, height: box.height),
                                score: face.score,
                                eyes: (grey.pointBeforeTurn(eyes.left, by: angle), grey.pointBeforeTurn(eyes.right, by: angle)))
        }
    }

    /// The faces in `grey` searched with a border of `border` pixels by `cascade` (the frontal
    /// one by default) with `search` (``search`` by default), in `grey`'s pixels, each box passed
    /// through `framing`, with their eyes when `withEyes`; the faces supported as
    /// `minimumRelativeSupport` (``minimumRelativeSupport`` by default) asks, overlaps dropped.
    func detectFaces(in grey: GreyImage, border: Int, withEyes: Bool = true, using cascade: CascadeClassifier? = nil,
                     search: CascadeSearch? = nil, minimumRelativeSupport: Double? = nil,
                     framing: (PixelBox) -> PixelBox = { $0 }) -> [DetectedFace] {
        let padded = grey.padded(by: border)
        let found = (cascade ?? classifier).detect(in: padded, search ?? self.search).map { (box: framing($0.box), neighbors: $0.neighbors) }
        let strongest = Double(found.map(\.neighbors).max() ?? 0)
        let supported = found.filter { Double($0.neighbors) >= (minimumRelativeSupport ?? self.minimumRelativeSupport) * strongest }
        return Self.droppingOverlaps(supported, maximumOverlap: maximumOverlap).map { face in
            let eyes = (withEyes ? findEyes(in: padded, face: face.box) : nil).map {
                (left: (x: $0.left.x - Float(border), y: $0.left.y - Float(border)),
                 right: (x: $0.right.x - Float(border), y: $0.right.y - Float(border)))
            }
            return DetectedFace(box: PixelBox(x: face.box.x - border, y: face.box.y - border,
                                              width: face.box.width, height: face.box.height),
                                score: Float(face.neighbors), eyes: eyes)
        }
    }

    /// The faces of `faces` supported by at least `minimumRelativeSupport` times the windows of
    /// the best-supported one, in their order.
    static func supported(_ faces: [DetectedFace], minimumRelativeSupport: Double) -> [DetectedFace] {
        let strongest = Double(faces.map(\.score).max() ?? 0)
        return faces.filter { Double($0.score) >= minimumRelativeSupport * strongest }
    }

    /// `faces` without each one that overlaps a better-supported one (the larger on a tie) by more
    /// than `maximumOverlap`, intersection over union; in their order.
    public static func droppingOverlaps(_ faces: [(box: PixelBox, neighbors: Int)], maximumOverlap: Double) -> [(box: PixelBox, neighbors: Int)] {
        guard maximumOverlap < 1 else { return faces }
        let strongestFirst = faces.indices.sorted { (faces[$0].neighbors, faces[$0].box.area) > (faces[$1].neighbors, faces[$1].box.area) }
        var kept: [Int] = []
        for index in strongestFirst
        where kept.allSatisfy({ faces[index].box.intersectionOverUnion(faces[$0].box) <= maximumOverlap }) {
            kept.append(index)
        }
        return kept.sorted().map { faces[$0] }
    }

    /// Whether `face`, found by the frontal cascade in `grey`, is confirmed: its eyes were found,
    /// or `confirming` accepts, in the face's box widened by half its width on every side (edge
    /// samples repeated beyond the picture), windows 0.6-1.6 times the face's width that group
    /// (3 neighbours, as the frontal search) into a box overlapping the face's by at least 0.4
    /// (intersection over union).
    /// - Throws: what reading `confirming`'s file throws, the first time it is needed.
    func isConfirmed(_ face: DetectedFace, in grey: GreyImage, by confirming: FallbackCascade) throws -> Bool {
        if face.eyes != nil { return true }
        let box = face.box, margin = box.width / 2
        let region = grey.region(PixelBox(x: box.x - margin, y: box.y - margin, width: box.width + 2 * margin,
                                          height: box.height + 2 * margin))
        let face = PixelBox(x: margin, y: margin, width: box.width, height: box.height)
        let sizes = CascadeSearch(scaleFactor: search.scaleFactor, minNeighbors: search.minNeighbors,
                                  minSize: Int((Double(box.width) * 0.6).rounded()), maxSize: Int((Double(box.width) * 1.6).rounded()))
        return try confirming.classifier().detect(in: region, sizes).contains { $0.box.intersectionOverUnion(face) >= 0.4 }
    }

    /// The centres of both eyes in `face`, in `picture`'s pixels, when the eye cascade finds one
    /// on each side of the box's vertical centre line in its upper 60 %.
    func findEyes(in picture: GreyImage, face: PixelBox) -> (left: (x: Float, y: Float), right: (x: Float, y: Float))? {
        guard let eyeClassifier,
              let region = picture.cropped(to: PixelBox(x: face.x, y: face.y, width: face.width, height: face.height * 3 / 5))
        else { return nil }
        let scale = Float(Self.eyeSearchWidth) / Float(face.width)
        let enlarged = region.resized(width: Self.eyeSearchWidth, height: max(1, Int((Float(region.height) * scale).rounded())))
        let candidates = eyeClassifier.detect(in: enlarged, CascadeSearch(scaleFactor: 1.1, minNeighbors: 3, minSize: 20,
                                                                            maxSize: Self.eyeSearchWidth / 2))
        let middle = Float(Self.eyeSearchWidth) / 2
        func centre(_ box: PixelBox) -> (x: Float, y: Float) {
            (Float(face.x) + (Float(box.x) + Float(box.width) / 2) / scale,
             Float(face.y) + (Float(box.y) + Float(box.height) / 2) / scale)
        }
        func best(_ side: (Float) -> Bool) -> PixelBox? {
            candidates.filter { side(Float($0.box.x) + Float($0.box.width) / 2) }
                .max { ($0.neighbors, $0.box.area) < ($1.neighbors, $1.box.area) }?.box
        }
        guard let left = best({ $0 < middle }), let right = best({ $0 >= middle }) else { return nil }
        return (centre(left), centre(right))
    }
}

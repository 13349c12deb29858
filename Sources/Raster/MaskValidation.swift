import Foundation

extension Mask {
    /// Checks that the mask is a meshable vessel wall and labels lumen, wall and outside.
    ///
    /// Topology uses the classic dual pair of adjacencies: the **wall is 8-connected** and the
    /// **background is 4-connected**, so a wall whose pixels touch only at corners still closes
    /// a ring (the thin-wall check then rejects such corner contacts). Steps, in order:
    /// 1. no wall pixel -> `MaskError.empty`;
    /// 2. wall components: the largest is kept (ties: first in scan order); every other one
    ///    with fewer than `speckThreshold` pixels is removed and reported in `removedSpecks`;
    ///    if another one remains -> `multipleWallComponents`;
    /// 3. a remaining wall pixel on the outermost pixel ring -> `wallTouchesBorder`;
    /// 4. background components: the one touching the border is the outside; the others are
    ///    enclosed holes. None -> `noLumen`. The largest hole is the lumen; every other hole
    ///    with fewer than `holeFillThreshold` pixels is filled with wall and reported in
    ///    `filledHoles`; a larger one -> `multipleLumens`;
    /// 5. lumen smaller than `minimumLumenPixels` -> `lumenTooSmall`;
    /// 6. thin wall: d = min |p - q| over lumen pixels p and outside pixels q (pixel centres,
    ///    in pixels; computed exactly over the pixels of both regions that touch the wall).
    ///    d - 1 is the thinnest wall width between pixel edges, i.e. between the 0.5-level
    ///    contours a mesher extracts. d < `minimumWallDistance` -> `wallTooThin`.
    ///
    /// - Returns: the labelled mask, with cleaning reported and d recorded.
    /// - Throws: the first failing check's `MaskError`.
    public func validated(options: MaskValidationOptions = MaskValidationOptions()) throws(MaskError) -> ValidatedMask {
        let rows = grid.rows
        let columns = grid.columns
        var isWall = members
        guard isWall.contains(true) else { throw .empty }

        // 2. Wall components and specks.
        let wallComponents = ComponentLabeling(isMember: isWall, rows: rows, columns: columns, connectivity: .eight)
        let wallOrder = wallComponents.indicesBySizeDescending
        var removedSpecks: [MaskComponent] = []
        var keptSizes = [wallComponents.sizes[wallOrder[0]]]
        var removedLabels = Set<Int32>()
        for component in wallOrder.dropFirst() {
            let size = wallComponents.sizes[component]
            if size < options.speckThreshold {
                let first = grid.pixel(at: wallComponents.firstPixels[component])
                removedSpecks.append(MaskComponent(pixelCount: size, row: first.row, column: first.column))
                removedLabels.insert(Int32(component))
            } else {
                keptSizes.append(size)
            }
        }
        guard keptSizes.count == 1 else { throw .multipleWallComponents(componentSizes: keptSizes) }
        if !removedLabels.isEmpty {
            for index in 0..<isWall.count where removedLabels.contains(wallComponents.labels[index]) {
                isWall[index] = false
            }
        }
        removedSpecks.sort { ($0.row, $0.column) < ($1.row, $1.column) }

        // 3. Border.
        for index in 0..<isWall.count where isWall[index] {
            let (row, column) = grid.pixel(at: index)
            if grid.isOnBorder(row: row, column: column) { throw .wallTouchesBorder(row: row, column: column) }
        }

        // 4. Background: outside, lumen, holes.
        let background = ComponentLabeling(
            isMember: isWall.map { !$0 }, rows: rows, columns: columns, connectivity: .four)
        let enclosed = background.indicesBySizeDescending.filter { !background.touchesBorder[$0] }
        guard let lumenLabel = enclosed.first else { throw .noLumen }
        var filledHoles: [MaskComponent] = []
        var largeHoleSizes = [background.sizes[lumenLabel]]
        var filledLabels = Set<Int32>()
        for hole in enclosed.dropFirst() {
            let size = background.sizes[hole]
            if size < options.holeFillThreshold {
                let first = grid.pixel(at: background.firstPixels[hole])
                filledHoles.append(MaskComponent(pixelCount: size, row: first.row, column: first.column))
                filledLabels.insert(Int32(hole))
            } else {
                largeHoleSizes.append(size)
            }
        }
        guard largeHoleSizes.count == 1 else { throw .multipleLumens(holeSizes: largeHoleSizes) }
        filledHoles.sort { ($0.row, $0.column) < ($1.row, $1.column) }

        // 5. Lumen size.
        let lumenPixels = background.sizes[lumenLabel]
        guard lumenPixels >= options.minimumLumenPixels else {
            throw .lumenTooSmall(pixels: lumenPixels, minimum: options.minimumLumenPixels)
        }

        var classes = [PixelClass](repeating: .wall, count: isWall.count)
        for index in 0..<isWall.count where !isWall[index] {
            let label = background.labels[index]
            if label == Int32(lumenLabel) {
                classes[index] = .lumen
            } else if !filledLabels.contains(label) {
                classes[index] = .outside
            }
        }

        // 6. Thinnest wall.
        let thinnest = Mask.thinnestWall(classes: classes, grid: grid)
        guard thinnest.distance >= options.minimumWallDistance else {
            throw .wallTooThin(distance: thinnest.distance, row: thinnest.row, column: thinnest.column)
        }

        let wall = Mask(grid: grid, members: classes.map { $0 == .wall })
        return ValidatedMask(
            original: self, wall: wall, classes: classes, removedSpecks: removedSpecks,
            filledHoles: filledHoles, minimumWallDistance: thinnest.distance,
            thinnestLumenPixel: (thinnest.row, thinnest.column), options: options)
    }

    /// Minimum centre-to-centre distance (pixels) between lumen and outside pixels, and the
    /// lumen pixel attaining it. Only pixels with a wall 8-neighbour can attain the minimum
    /// (the segment between the closest pair crosses the wall, and the pixels next to its
    /// entry and exit points are closer still otherwise), so only those are compared.
    static func thinnestWall(classes: [PixelClass], grid: PixelGrid) -> (distance: Double, row: Int, column: Int) {
        func touchesWall(_ row: Int, _ column: Int) -> Bool {
            for dr in -1...1 {
                for dc in -1...1 where dr != 0 || dc != 0 {
                    let r = row + dr
                    let c = column + dc
                    if grid.contains(row: r, column: c) && classes[r * grid.columns + c] == .wall { return true }
                }
            }
            return false
        }
        var lumenBorder: [(Int, Int)] = []
        var outsideBorder: [(Int, Int)] = []
        for row in 0..<grid.rows {
            for column in 0..<grid.columns {
                let pixelClass = classes[row * grid.columns + column]
                guard pixelClass != .wall, touchesWall(row, column) else { continue }
                if pixelClass == .lumen { lumenBorder.append((row, column)) } else { outsideBorder.append((row, column)) }
            }
        }
        var best = Int.max
        var bestPixel = lumenBorder.first ?? (0, 0)
        for (lr, lc) in lumenBorder {
            for (orow, ocol) in outsideBorder {
                let dr = lr - orow
                let dc = lc - ocol
                let squared = dr * dr + dc * dc
                if squared < best {
                    best = squared
                    bestPixel = (lr, lc)
                }
            }
        }
        let distance = best == Int.max ? Double.infinity : Double(best).squareRoot()
        return (distance, bestPixel.0, bestPixel.1)
    }
}

import Testing
@testable import Raster

@Suite("PixelGrid")
struct PixelGridTests {
    @Test("pixel centres follow ((c + 0.5) s, (r + 0.5) s) with y down")
    func centers() throws {
        let grid = try #require(PixelGrid(rows: 64, columns: 64))
        #expect(grid.pixelSize == 0.125)
        #expect(grid.width == 8 && grid.height == 8)
        let center = grid.center(row: 0, column: 0)
        #expect(center.x == 0.0625 && center.y == 0.0625)
        let other = grid.center(row: 10, column: 3)
        #expect(other.x == 3.5 * 0.125 && other.y == 10.5 * 0.125)
    }

    @Test("pixel(containing:) inverts center(row:column:) and rejects points outside")
    func inverse() throws {
        let grid = try #require(PixelGrid(rows: 5, columns: 7, pixelSize: 0.2))
        for row in 0..<5 {
            for column in 0..<7 {
                let center = grid.center(row: row, column: column)
                let pixel = try #require(grid.pixel(containing: center.x, y: center.y))
                #expect(pixel.row == row && pixel.column == column)
            }
        }
        #expect(grid.pixel(containing: 0, y: 0)! == (0, 0))
        #expect(grid.pixel(containing: 1.5, y: 0.5) == nil)  // beyond the width 1.4
        #expect(grid.pixel(containing: -0.01, y: 0.5) == nil)
        #expect(grid.pixel(containing: .nan, y: 0.5) == nil)
        #expect(grid.pixel(containing: 0.5, y: 1.0) == nil)  // y = height
    }

    @Test("invalid grids are rejected")
    func invalid() {
        #expect(PixelGrid(rows: 0, columns: 4) == nil)
        #expect(PixelGrid(rows: 4, columns: -1) == nil)
        #expect(PixelGrid(rows: 4, columns: 4, pixelSize: 0) == nil)
        #expect(PixelGrid(rows: 4, columns: 4, pixelSize: .nan) == nil)
        #expect(PixelGrid(rows: 4, columns: 4, pixelSize: .infinity) == nil)
        #expect(PixelGrid(rows: Int.max, columns: 2) == nil)
    }
}

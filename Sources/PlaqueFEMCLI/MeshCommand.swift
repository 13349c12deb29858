import ArgumentParser
import FEM
import Foundation
import Meshing
import Raster

/// `plaquefem mesh`: structured annulus meshes for verification and examples.
struct MeshCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mesh",
        abstract: "Mesh a vessel wall (a mask, a concentric ring or an eccentric plaque) and write it as .msh (Gmsh 4.1) or .vtu.",
        discussion: """
            Examples:
              plaquefem mesh --mask data/phantoms/masks/phantom-00000.png --output wall.vtu
              plaquefem mesh --inner-radius 1 --outer-radius 2 --mesh-size 0.125 --output ring.msh
              plaquefem mesh --lumen-center 0.5,0 --inner-radius 0.8 --outer-radius 1.8 --output plaque.vtu
            With --mask the mask is validated and meshed as `label` does (--mesh-size then sets the edge \
            length at the lumen; default one pixel).
            """
    )

    @Option(help: "Lumen (inner) radius (mm).")
    var innerRadius: Double = 1
    @Option(help: "Outer radius (mm).")
    var outerRadius: Double = 2
    @Option(help: "Lumen centre 'x,y' relative to the outer centre (mm); nonzero gives an eccentric plaque.")
    var lumenCenter: String = "0,0"
    @Option(help: "Target element edge length (mm); default 0.125 for rings, one pixel at the lumen for --mask.")
    var meshSize: Double?
    @Option(help: "Mesh the wall of this mask (.png or 2D .npy) instead of a generated annulus.")
    var mask: String?
    @Option(help: "Pixel size of --mask (mm).")
    var pixelSize: Double = PixelGrid.defaultPixelSize
    @Option(help: "Output file: .msh (Gmsh 4.1 ASCII) or .vtu (ParaView).")
    var output: String

    func validate() throws {
        _ = try parsePoint(lumenCenter)
        if let meshSize, !(meshSize > 0 && meshSize.isFinite) { throw ValidationError("--mesh-size must be positive") }
        guard pixelSize > 0, pixelSize.isFinite else { throw ValidationError("--pixel-size must be positive") }
        guard output.hasSuffix(".msh") || output.hasSuffix(".vtu") else { throw ValidationError("--output must end in .msh or .vtu") }
    }

    func run() throws {
        let mesh: TriangleMesh
        if let mask {
            let input = mask.lowercased().hasSuffix(".npy")
                ? try NumPyFile.read(path: mask).mask(at: 0, pixelSize: pixelSize) : try PNGFile.readMask(path: mask, pixelSize: pixelSize)
            let validated = try input.validated(options: MaskValidationOptions())
            var options = MaskMeshingOptions()
            options.targetEdgeLength = meshSize
            let result = try MaskMesher(options).mesh(
                values: validated.wall.pixels.map { Double($0) }, rows: validated.grid.rows, columns: validated.grid.columns,
                pixelSize: validated.grid.pixelSize)
            print(String(format: "mask %@: wall %.3f mm^2 (pixels), mesh %.3f mm^2 (%+.2f %%)", mask, result.pixelWallArea,
                         result.meshArea, 100 * result.relativeAreaError))
            mesh = result.mesh
        } else {
            let generator = AnnulusMeshGenerator(lumenCenter: try parsePoint(lumenCenter), lumenRadius: innerRadius,
                                                 outerCenter: .zero, outerRadius: outerRadius)
            mesh = try generator.mesh(meshSize: meshSize ?? 0.125)
        }
        if output.hasSuffix(".msh") {
            try GmshFile.write(mesh, to: output)
        } else {
            try VTUFile(mesh: mesh).write(to: output)
        }
        let quality = MeshQuality(mesh: mesh)
        print("wrote \(output): \(quality.vertexCount) vertices, \(quality.triangleCount) triangles, "
            + "\(2 * QuadraticNodes(mesh: mesh).count + mesh.points.count) P2/P1 dofs")
        print(String(format: "angles: min %.1f deg, mean of per-triangle min %.1f deg, max %.1f deg; edges %.4f-%.4f mm",
                     quality.minimumAngle, quality.meanMinimumAngle, quality.maximumAngle, quality.shortestEdge, quality.longestEdge))
    }
}

/// Parses "x,y" in mm.
func parsePoint(_ text: String) throws -> Point {
    let parts = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
    guard parts.count == 2, let x = parts[0], let y = parts[1], x.isFinite, y.isFinite else {
        throw ValidationError("expected 'x,y' in mm, got '\(text)'")
    }
    return Point(x, y)
}

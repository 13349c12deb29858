// libFuzzer target: contour files (`label --lumen/--eem`). Compiled together with the Meshing
// sources into one module by fuzz/run.sh, so it calls the readers directly.
//
// Any input must end in parsed contours or a typed ContourError; contours that pair into walls must
// mesh or throw a MeshError. A crash, a sanitizer report or a hang is a bug.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzContourFile(_ data: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: data, count: count), as: UTF8.self)
    guard let contours = try? BorderContourFile.parse(text, path: "fuzz.csv"), contours.count >= 2 else { return 0 }
    // Pair the frames as lumen and EEM both ways, as `label` would with two files.
    for (lumen, outer) in [(contours[0], contours[1]), (contours[1], contours[0])] {
        guard let borders = try? WallBorders(frame: lumen.frame, lumen: lumen.points, outer: outer.points) else { continue }
        var options = ContourMeshingOptions()
        options.maximumTriangleCount = 4_000
        _ = try? ContourMesher(options).mesh(borders)
        _ = borders.wallPixels(rows: 32, columns: 32, pixelSize: 0.25)
    }
    return 0
}

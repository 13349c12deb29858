// libFuzzer target: Gmsh MSH 4.1 ASCII files (`solve MESH.msh`, `GmshFile.read`). Compiled against
// the Meshing module by fuzz/run.sh. The reader takes a path, so each input is written to one
// temporary file (per process) first.
//
// Any input must become a mesh or a MeshError; a mesh read is checked and written back.
import Foundation
import Meshing

private let path = FileManager.default.temporaryDirectory.appendingPathComponent("plaquefem-fuzz-\(getpid()).msh").path

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGmsh(_ data: UnsafeRawPointer, _ count: Int) -> CInt {
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes: data, count: count)) else { return 0 }
    guard let mesh = try? GmshFile.read(from: path) else { return 0 }
    _ = GmshFile.render(mesh)
    return 0
}

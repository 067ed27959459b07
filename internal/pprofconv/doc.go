// Package pprofconv turns pprof samples into gdiag's frames, with one policy
// for every profile gdiag reads (goroutine, goroutineleak, heap, allocs,
// mutex, block):
//
//   - frames are innermost first, and a location's inlined calls are expanded
//     in the order the profile lists them (innermost first);
//   - an unsymbolized location (no line information, as in a profile of a
//     stripped binary) is kept as one frame named by its address ("0x4a5b6c"),
//     so an unsymbolized goroutine profile never has empty stacks;
//   - a compiler-generated defer wrapper ("pkg.f.deferwrap1", seen when
//     inlining is off) is named after the function whose defer it runs.
package pprofconv

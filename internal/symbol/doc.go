// Package symbol is gdiag's one rule for Go function names and the code they
// belong to: the import path of a function (generic shapes included), its
// short display form, and which of three kinds of code a frame is in:
//
//   - the standard library and the runtime (KindStdlib),
//   - the service's own module(s) (KindMain): package main, plus the main
//     module paths read from a bundle's build info or given by a flag,
//   - everything else (KindThirdParty), with gdiag's own packages ranked
//     below other third-party code unless gdiag is the main module.
//
// Findings point at code the user can change: FirstUser prefers the main
// module's frames, then third-party ones, and never picks the standard
// library, the runtime or an unsymbolized address. CreationSite looks
// through goroutine-starting wrappers (sync.(*WaitGroup).Go, errgroup, conc)
// so a goroutine is charged to the code that started it.
//
// It imports only the standard library, so every package of the module
// (stack included) can use it.
package symbol

package bundle

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
)

// A bundle written by a capture that was cut short (the process was killed,
// the disk filled up) has complete entries but no zip central directory, so
// archive/zip cannot open it. salvage walks the local file headers from the
// start of the file instead and recovers every entry whose data and CRC are
// complete. These are the bytes of the zip format it needs (APPNOTE 4.3.7,
// 4.3.9).
const (
	localHeaderLen   = 30
	localHeaderSig   = "PK\x03\x04"
	descriptorSig    = "PK\x07\x08"
	flagDescriptor   = 0x8
	maxSalvageFiles  = 1 << 16
	salvageChunkSize = 64 << 10
	// maxSalvageInflate bounds the bytes salvage decompresses in all to
	// find where deflated entries end: a cut bundle of the collector's
	// default size at most. Deflate expands up to 1032×, so without a total
	// a small file of many entries would take minutes.
	maxSalvageInflate = 1 << 30
)

// hasLocalHeader reports whether the input starts with a zip local header.
func hasLocalHeader(r io.ReaderAt, size int64) bool {
	var sig [4]byte
	return size >= 4 && readFullAt(r, sig[:], 0) == nil && string(sig[:]) == localHeaderSig
}

func readFullAt(r io.ReaderAt, p []byte, off int64) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// salvage adds the complete entries found by walking local headers and
// returns an error for the entry it stopped at, if any.
func (b *Reader) salvage(r io.ReaderAt, size int64) []error {
	var errs []error
	off := int64(0)
	budget := int64(maxSalvageInflate)
	for n := 0; n < maxSalvageFiles && off+localHeaderLen <= size; n++ {
		f, next, err := salvageOne(r, size, off, &budget)
		if err != nil {
			errs = append(errs, fmt.Errorf("bundle: %s: %w", b.Name, err))
			break
		}
		if f == nil { // not a local header: the (partial) central directory
			break
		}
		if err := b.add(f); err != nil {
			errs = append(errs, err)
		}
		off = next
	}
	return errs
}

// salvageOne reads the entry whose local header is at off. It returns a nil
// file and no error when off holds no local header, and the offset of the
// next header.
func salvageOne(r io.ReaderAt, size, off int64, budget *int64) (*file, int64, error) {
	var h [localHeaderLen]byte
	if err := readFullAt(r, h[:], off); err != nil || string(h[:4]) != localHeaderSig {
		return nil, 0, nil
	}
	le := binary.LittleEndian
	flags, method := le.Uint16(h[6:]), le.Uint16(h[8:])
	crc := le.Uint32(h[14:])
	csize, usize := int64(le.Uint32(h[18:])), uint64(le.Uint32(h[22:]))
	nameLen, extraLen := int64(le.Uint16(h[26:])), int64(le.Uint16(h[28:]))
	nameExtra := make([]byte, nameLen+extraLen)
	if err := readFullAt(r, nameExtra, off+localHeaderLen); err != nil {
		return nil, 0, fmt.Errorf("entry at offset %d: truncated header", off)
	}
	name := string(nameExtra[:nameLen])
	if name == "" {
		return nil, 0, fmt.Errorf("entry at offset %d: empty name", off)
	}
	if method != zip.Store && method != zip.Deflate {
		return nil, 0, fmt.Errorf("entry %s: unsupported compression method %d", name, method)
	}
	data := off + localHeaderLen + nameLen + extraLen
	next := int64(0)
	if flags&flagDescriptor == 0 {
		if csize == 0xffffffff || usize == 0xffffffff {
			var ok bool
			if usize, csize, ok = zip64Sizes(nameExtra[nameLen:]); !ok {
				return nil, 0, fmt.Errorf("entry %s: bad zip64 extra field", name)
			}
		}
		next = data + csize
		if csize < 0 || next > size || next < data {
			return nil, 0, fmt.Errorf("entry %s: truncated (capture cut short), not recovered", name)
		}
	} else {
		var err error
		if method == zip.Deflate {
			csize, next, crc, usize, err = deflateExtent(r, size, data, budget)
		} else {
			csize, next, crc, usize, err = storedExtent(r, size, data)
		}
		if err != nil {
			return nil, 0, fmt.Errorf("entry %s: %w", name, err)
		}
	}
	sec := io.NewSectionReader(r, data, csize)
	f := &file{name: name, size: usize, open: func() (io.ReadCloser, error) {
		sec := io.NewSectionReader(sec, 0, csize)
		rc := io.NopCloser(sec)
		if method == zip.Deflate {
			rc = flate.NewReader(sec)
		}
		return &crcReader{rc: rc, h: crc32.NewIEEE(), want: crc, size: usize}, nil
	}}
	return f, next, nil
}

// zip64Sizes reads the sizes from a zip64 extended information extra field.
func zip64Sizes(extra []byte) (usize uint64, csize int64, ok bool) {
	le := binary.LittleEndian
	for len(extra) >= 4 {
		id, n := le.Uint16(extra), int(le.Uint16(extra[2:]))
		extra = extra[4:]
		if n > len(extra) {
			return 0, 0, false
		}
		if id == 0x0001 && n >= 16 {
			usize, cs := le.Uint64(extra), le.Uint64(extra[8:])
			return usize, int64(min(cs, 1<<62)), true
		}
		extra = extra[n:]
	}
	return 0, 0, false
}

// countReader counts the bytes flate consumes; as an io.ByteReader it keeps
// flate from reading ahead.
type countReader struct {
	br *bufio.Reader
	n  int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.br.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countReader) ReadByte() (byte, error) {
	b, err := c.br.ReadByte()
	if err == nil {
		c.n++
	}
	return b, err
}

// deflateExtent decompresses the stream at data to find its end, then checks
// the data descriptor that follows against the length and CRC.
func deflateExtent(r io.ReaderAt, size, data int64, budget *int64) (csize, next int64, crc uint32, usize uint64, err error) {
	cr := &countReader{br: bufio.NewReaderSize(io.NewSectionReader(r, data, size-data), salvageChunkSize)}
	h := crc32.NewIEEE()
	fr := flate.NewReader(cr)
	lim := min(DefaultReadLimit, *budget)
	n, err := io.Copy(h, io.LimitReader(fr, lim+1))
	*budget -= n
	if err == nil && n > lim {
		return 0, 0, 0, 0, fmt.Errorf("salvage stopped: more than %d bytes decompressed to find entry ends", lim)
	}
	if err != nil {
		return 0, 0, 0, 0, errors.New("truncated or corrupt (capture cut short), not recovered")
	}
	crc, usize = h.Sum32(), uint64(n)
	next, ok := checkDescriptor(r, size, data+cr.n, cr.n, crc, usize)
	if !ok {
		return 0, 0, 0, 0, errors.New("data descriptor missing or wrong (capture cut short), not recovered")
	}
	return cr.n, next, crc, usize, nil
}

// storedExtent finds the data descriptor of an uncompressed entry by
// scanning for its signature followed by a matching length and CRC.
func storedExtent(r io.ReaderAt, size, data int64) (csize, next int64, crc uint32, usize uint64, err error) {
	buf := make([]byte, salvageChunkSize+len(descriptorSig))
	// The CRC runs forward from data to each candidate in turn, so that
	// the scan costs O(size) however many false descriptors the data holds.
	h := crc32.NewIEEE()
	hashed := data
	for pos := data; pos < size; pos += salvageChunkSize {
		n, _ := r.ReadAt(buf, pos)
		chunk := buf[:n]
		for i := 0; ; {
			j := bytes.Index(chunk[i:], []byte(descriptorSig))
			if j < 0 {
				break
			}
			at := pos + int64(i+j)
			cs := at - data
			if storedLength(r, at, cs) {
				if _, err := io.Copy(h, io.NewSectionReader(r, hashed, at-hashed)); err != nil {
					break
				}
				hashed = at
				if next, ok := checkDescriptor(r, size, at, cs, h.Sum32(), uint64(cs)); ok {
					return cs, next, h.Sum32(), uint64(cs), nil
				}
			}
			i += j + 1
		}
		if n < len(buf) {
			break
		}
	}
	return 0, 0, 0, 0, errors.New("truncated (capture cut short), not recovered")
}

// storedLength reports whether the descriptor at offset at gives the length
// cs of a stored entry (or the zip64 marker).
func storedLength(r io.ReaderAt, at, cs int64) bool {
	var d [12]byte
	if readFullAt(r, d[:], at) != nil {
		return false
	}
	return int64(binary.LittleEndian.Uint32(d[8:])) == cs || cs >= 0xffffffff
}

// checkDescriptor verifies the data descriptor at off (with or without its
// signature, 32- or 64-bit sizes) and returns the offset after it.
func checkDescriptor(r io.ReaderAt, size, off, csize int64, crc uint32, usize uint64) (int64, bool) {
	var d [24]byte
	n, _ := r.ReadAt(d[:], off)
	p := d[:n]
	base := off
	if bytes.HasPrefix(p, []byte(descriptorSig)) {
		p, base = p[4:], off+4
	}
	le := binary.LittleEndian
	if len(p) >= 12 && le.Uint32(p) == crc && int64(le.Uint32(p[4:])) == csize && uint64(le.Uint32(p[8:])) == usize {
		return base + 12, true
	}
	if len(p) >= 20 && le.Uint32(p) == crc && int64(le.Uint64(p[4:])) == csize && le.Uint64(p[12:]) == usize {
		return base + 20, true
	}
	return 0, false
}

// crcReader verifies the size and CRC-32 of a salvaged entry at EOF.
type crcReader struct {
	rc   io.ReadCloser
	h    hash.Hash32
	want uint32
	size uint64
	n    uint64
}

func (c *crcReader) Read(p []byte) (int, error) {
	n, err := c.rc.Read(p)
	c.h.Write(p[:n])
	c.n += uint64(n)
	if err == io.EOF && (c.n != c.size || c.h.Sum32() != c.want) {
		err = zip.ErrChecksum
	}
	return n, err
}

func (c *crcReader) Close() error { return c.rc.Close() }

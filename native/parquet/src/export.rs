//! Decoded batches handed to JS as their Arrow buffers in place: no IPC stream, no copy. Each
//! allocation the batches' buffers lie in becomes one external ArrayBuffer whose finalizer drops
//! the Rust buffer (its Arc) when V8 collects it; the JS side (core/iceberg/arrow-from-native.ts)
//! rebuilds apache-arrow `Data` over views of them from a description of the layout.
//!
//! The description mirrors the write direction's (src/columns.rs): a flat list of numbers. First
//! the number of batches, then per batch its row count, then per array node, depth first in schema
//! order (a struct's children after it, a list's or map's entries after it):
//!   length, null count, then the node's buffers as (ArrayBuffer index, byte offset, byte length)
//! triples: its validity bitmap (index -1 when the node has no nulls), then by type: values
//! (booleans, fixed width, fixed size binary), offsets and data (strings, binary), offsets (lists,
//! maps), none (structs, fixed size lists, nulls). An empty buffer is index -1 too. Everything is
//! normalized to start at the node's first row: bitmaps at bit 0 (a bitmap sliced mid-byte is
//! copied, the one case of a copy), values and offsets windowed to the node (offsets keep their
//! values: they need not start at 0), a list's or map's child whole, a struct's children sliced
//! with it (arrow-rs slices them so). Any other layout (dictionaries, views, unions, intervals)
//! goes as IPC, decided per schema.

use std::collections::HashMap;

use arrow_array::cast::AsArray;
use arrow_array::{Array, RecordBatch};
use arrow_buffer::Buffer;
use arrow_schema::{DataType, Schema};
use napi::bindgen_prelude::{ArrayBuffer, Float64ArraySlice, Null, Object, ToNapiValue, TypeName};
use napi::{sys, Env, Error, Result, ValueType};

/// Whether every column of `schema` has a layout `Export` describes; else its batches go as IPC.
pub fn exportable(schema: &Schema) -> bool {
    schema.fields().iter().all(|f| exportable_type(f.data_type()))
}

fn exportable_type(t: &DataType) -> bool {
    use DataType::*;
    match t {
        Null | Boolean | Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | UInt64 | Float16 | Float32 | Float64 | Date32 | Date64
        | Time32(_) | Time64(_) | Timestamp(_, _) | Duration(_) | Decimal128(_, _) | Decimal256(_, _) | Utf8 | LargeUtf8 | Binary
        | LargeBinary | FixedSizeBinary(_) => true,
        List(f) | LargeList(f) | FixedSizeList(f, _) | Map(f, _) => exportable_type(f.data_type()),
        Struct(fields) => fields.iter().all(|f| exportable_type(f.data_type())),
        _ => false,
    }
}

/// A region of one allocation to hand JS: from the allocation's start (so that every typed view
/// keeps the alignment it has in Rust) to the end of the last byte any buffer uses.
pub struct Region {
    /// Keeps the allocation alive until JS drops its ArrayBuffer.
    pub owner: Buffer,
    pub len: usize,
}

impl Region {
    pub fn ptr(&self) -> *mut u8 {
        self.owner.data_ptr().as_ptr()
    }
}

/// Batches described for JS, and the regions their description points into.
#[derive(Default)]
pub struct Export {
    pub layout: Vec<f64>,
    pub regions: Vec<Region>,
    /// Region index by allocation start: buffers of one allocation share one ArrayBuffer (fewer
    /// to make and collect), and no two start at one address, which older V8s and napi-rs's debug
    /// builds refuse (nodejs/node#32463; Node 20 accepts it, tried).
    by_start: HashMap<usize, usize>,
}

impl Export {
    pub fn new(batches: &[RecordBatch]) -> Result<Self> {
        let mut e = Export { layout: Vec::with_capacity(1 + batches.len() * 64), ..Default::default() };
        e.layout.push(batches.len() as f64);
        for batch in batches {
            e.layout.push(batch.num_rows() as f64);
            for column in batch.columns() {
                e.node(column.as_ref())?;
            }
        }
        Ok(e)
    }

    fn buffer(&mut self, b: &Buffer) {
        if b.is_empty() {
            self.layout.extend([-1.0, 0.0, 0.0]);
            return;
        }
        let start = b.data_ptr().as_ptr() as usize;
        let offset = b.ptr_offset();
        let end = offset + b.len();
        let index = match self.by_start.get(&start) {
            Some(&i) => {
                let region = &mut self.regions[i];
                region.len = region.len.max(end);
                i
            }
            None => {
                self.regions.push(Region { owner: b.clone(), len: end });
                self.by_start.insert(start, self.regions.len() - 1);
                self.regions.len() - 1
            }
        };
        self.layout.extend([index as f64, offset as f64, b.len() as f64]);
    }

    /// `count` elements of `width` bytes from element `first` of the array's buffer `i`.
    fn window(&mut self, array: &dyn Array, i: usize, width: usize, extra: usize) {
        let data = array.to_data();
        let buffer = &data.buffers()[i];
        let start = data.offset() * width;
        let len = (data.len() + extra) * width;
        self.buffer(&buffer.slice_with_length(start, len));
    }

    fn node(&mut self, array: &dyn Array) -> Result<()> {
        self.layout.extend([array.len() as f64, array.null_count() as f64]);
        match array.nulls().filter(|n| n.null_count() > 0) {
            Some(nulls) => self.buffer(&nulls.inner().sliced()),
            None => self.layout.extend([-1.0, 0.0, 0.0]),
        }
        match array.data_type() {
            DataType::Null => {}
            DataType::Boolean => self.buffer(&array.as_boolean().values().sliced()),
            DataType::FixedSizeBinary(width) => self.window(array, 0, *width as usize, 0),
            t @ (DataType::Utf8 | DataType::Binary | DataType::LargeUtf8 | DataType::LargeBinary) => {
                let width = if matches!(t, DataType::Utf8 | DataType::Binary) { 4 } else { 8 };
                self.window(array, 0, width, 1);
                let data = array.to_data();
                self.buffer(&data.buffers()[1]);
            }
            DataType::List(_) => {
                let list = array.as_list::<i32>();
                self.buffer(list.offsets().inner().inner());
                self.node(list.values().as_ref())?;
            }
            DataType::LargeList(_) => {
                let list = array.as_list::<i64>();
                self.buffer(list.offsets().inner().inner());
                self.node(list.values().as_ref())?;
            }
            DataType::Map(_, _) => {
                let map = array.as_map();
                self.buffer(map.offsets().inner().inner());
                self.node(map.entries())?;
            }
            DataType::FixedSizeList(_, _) => self.node(array.as_fixed_size_list().values().as_ref())?,
            DataType::Struct(_) => {
                for child in array.as_struct().columns() {
                    self.node(child.as_ref())?;
                }
            }
            t => match t.primitive_width().filter(|_| exportable_type(t)) {
                Some(width) => self.window(array, 0, width, 0),
                None => return Err(Error::from_reason(format!("{t} columns are sent as IPC, not as buffers"))),
            },
        }
        Ok(())
    }
}

/// What a decoder's `next()` resolves to: null at the end, an IPC stream of the batches, or the
/// batches as their buffers: `{ schema, layout, buffers }` (the schema as an IPC stream, in a
/// decoder's first result only; `buffers` are the external ArrayBuffers `layout` points into).
pub enum Decoded {
    End,
    Ipc(Vec<u8>),
    Columns { schema: Option<Vec<u8>>, export: Export },
}

impl TypeName for Decoded {
    fn type_name() -> &'static str {
        "DecodedBatches"
    }

    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ToNapiValue for Decoded {
    unsafe fn to_napi_value(raw: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        // A panic must not unwind into V8 (see `guarded`).
        crate::guarded("Handing decoded batches to JS", || unsafe { decoded_to_js(raw, val) })
    }
}

/// Safety: `raw` is the env of the JS thread this runs on.
unsafe fn decoded_to_js(raw: sys::napi_env, val: Decoded) -> Result<sys::napi_value> {
    let (schema, export) = match val {
        Decoded::End => return unsafe { Null::to_napi_value(raw, Null) },
        Decoded::Ipc(bytes) => return unsafe { napi::bindgen_prelude::Buffer::to_napi_value(raw, bytes.into()) },
        Decoded::Columns { schema, export } => (schema, export),
    };
    let env = Env::from_raw(raw);
    let mut out = Object::new(&env)?;
    out.set("schema", schema.map(napi::bindgen_prelude::Buffer::from))?;
    out.set("layout", Float64ArraySlice::copy_from(&env, &export.layout)?)?;
    let mut buffers = env.create_array(u32::try_from(export.regions.len()).map_err(|_| Error::from_reason("too many buffers"))?)?;
    for (i, region) in export.regions.into_iter().enumerate() {
        let (ptr, len) = (region.ptr(), region.len);
        // Safety: `owner` keeps the `len` bytes at `ptr` alive and unmoved until the finalizer
        // drops it. Arrow buffers are immutable, and the JS side only reads them.
        let external = unsafe { ArrayBuffer::from_external(&env, ptr, len, region.owner, |_, owner| drop(owner)) }?;
        buffers.set(i as u32, external)?;
    }
    out.set("buffers", buffers)?;
    unsafe { Object::to_napi_value(raw, out) }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, BooleanArray, Int32Array, Int64Array, ListArray, RecordBatch, StringArray, StructArray};
    use arrow_array::types::Int32Type;
    use arrow_schema::{Field, Fields};

    use super::Export;

    /// The bytes of the buffer whose (index, offset, length) triple starts at `at` in the layout.
    fn bytes(e: &Export, at: usize) -> Option<&[u8]> {
        let (index, offset, len) = (e.layout[at], e.layout[at + 1] as usize, e.layout[at + 2] as usize);
        if index < 0.0 {
            return None;
        }
        let region = &e.regions[index as usize];
        assert!(offset + len <= region.len);
        // Safety: the region's owner keeps its bytes alive.
        Some(unsafe { std::slice::from_raw_parts(region.ptr().add(offset), len) })
    }

    fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
        RecordBatch::try_from_iter(columns).unwrap()
    }

    #[test]
    fn slices_are_normalized_to_their_first_row() {
        let ints: ArrayRef = Arc::new(Int64Array::from(vec![Some(1), None, Some(3), Some(4), None, Some(6), Some(7), Some(8), Some(9), Some(10)]));
        let bools: ArrayRef = Arc::new(BooleanArray::from(vec![true, false, true, true, false, false, true, false, true, true]));
        let b = batch(vec![("i", ints), ("b", bools)]).slice(3, 6);
        let e = Export::new(&[b]).unwrap();
        // batches, rows; i: len, nulls, validity, values; b: len, nulls, validity, values
        assert_eq!(&e.layout[..4], &[1.0, 6.0, 6.0, 1.0]);
        assert_eq!(bytes(&e, 4).unwrap()[0] & 0b11_1111, 0b11_1101); // rows 3..9: only row 4 is null
        let values = bytes(&e, 7).unwrap();
        assert_eq!(values.len(), 6 * 8);
        assert_eq!(i64::from_le_bytes(values[..8].try_into().unwrap()), 4);
        assert_eq!(&e.layout[10..12], &[6.0, 0.0]);
        assert!(bytes(&e, 12).is_none()); // no nulls, no bitmap
        assert_eq!(bytes(&e, 15).unwrap()[0] & 0b11_1111, 0b10_1001); // t f f t f t from bit 3, moved to bit 0
        assert_eq!(e.layout.len(), 18);
    }

    #[test]
    fn strings_lists_and_structs_keep_their_offsets_and_children() {
        let strings: ArrayRef = Arc::new(StringArray::from(vec!["a", "bb", "ccc", "dddd"]));
        let list: ArrayRef = Arc::new(ListArray::from_iter_primitive::<Int32Type, _, _>(vec![Some(vec![Some(1)]), Some(vec![]), Some(vec![Some(2), Some(3)]), None]));
        let fields = Fields::from(vec![Field::new("x", arrow_schema::DataType::Int32, false)]);
        let structs: ArrayRef = Arc::new(StructArray::new(fields, vec![Arc::new(Int32Array::from(vec![5, 6, 7, 8])) as ArrayRef], None));
        let b = batch(vec![("s", strings), ("l", list), ("st", structs)]).slice(1, 3);
        let e = Export::new(&[b]).unwrap();
        let offsets = |at: usize| bytes(&e, at).unwrap().chunks(4).map(|c| i32::from_le_bytes(c.try_into().unwrap())).collect::<Vec<_>>();
        // s: 3, 0, validity at 4, offsets at 7, data at 10
        assert_eq!(offsets(7), vec![1, 3, 6, 10]);
        assert_eq!(bytes(&e, 10).unwrap(), b"abbcccdddd");
        // l: 3 rows, 1 null: validity at 15, offsets at 18, child (whole) from 21
        assert_eq!(&e.layout[13..15], &[3.0, 1.0]);
        assert_eq!(offsets(18), vec![1, 1, 3, 3]);
        assert_eq!(&e.layout[21..23], &[3.0, 0.0]);
        assert_eq!(offsets(26), vec![1, 2, 3]);
        // st: sliced with its child
        assert_eq!(&e.layout[29..31], &[3.0, 0.0]);
        assert_eq!(&e.layout[34..36], &[3.0, 0.0]);
        assert_eq!(offsets(39), vec![6, 7, 8]);
        assert_eq!(e.layout.len(), 42);
        // The strings' offsets and data are one allocation each; no region starts where another does.
        let mut starts = e.regions.iter().map(|r| r.ptr() as usize).collect::<Vec<_>>();
        starts.sort();
        starts.dedup();
        assert_eq!(starts.len(), e.regions.len());
    }

    #[test]
    fn an_empty_batch_has_no_buffers_but_offsets() {
        let b = batch(vec![("s", Arc::new(StringArray::from(Vec::<&str>::new())) as ArrayRef)]);
        let e = Export::new(&[b.clone(), b]).unwrap();
        assert_eq!(e.layout[0], 2.0);
        assert_eq!(&e.layout[1..3], &[0.0, 0.0]);
        assert_eq!(bytes(&e, 7).map(<[u8]>::len), Some(4)); // [0]
        assert!(bytes(&e, 10).is_none());
    }
}

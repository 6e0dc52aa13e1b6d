//! Record batches built over the JS thread's Arrow buffers where they lie: no IPC stream, no copy
//! (but of a buffer less aligned than Rust needs: JS keeps decimals in 4-byte words). An IPC body
//! spread over many JS buffers would be gathered into one copy per batch first.
//!
//! The JS side (core/iceberg/parquet-native-write.ts) describes each batch as a flat list of
//! numbers and a list of buffers. Per batch: its row count, then per array node, depth first in
//! schema order (a struct's children after it, a list's or map's entries after it):
//!   length, null count, has validity (0/1), validity bit offset, values offset
//! (the values offset is in elements: Arrow JS windows all values but booleans' to the array's
//! first row, and never a bitmap) and the node's buffers are taken in order from the list: its validity bitmap if it has one,
//! then by type: values (booleans, fixed width), offsets and data (strings, binary), offsets
//! (lists, maps), none (structs). Offsets need not start at 0 (Arrow JS windows them without
//! rebasing them).

use std::sync::Arc;

use arrow_array::types::ArrowPrimitiveType;
use arrow_array::{
    downcast_primitive, ArrayRef, BinaryArray, BooleanArray, FixedSizeBinaryArray, LargeBinaryArray, LargeStringArray, ListArray,
    MapArray, PrimitiveArray, RecordBatch, RecordBatchOptions, StringArray, StructArray,
};
use arrow_buffer::{ArrowNativeType, BooleanBuffer, Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, SchemaRef};
use napi::bindgen_prelude::Uint8Array;
use napi::{Error, Result};

use crate::failed;
use crate::sparse::JsBytes;

const WHAT: &str = "Reading an Arrow batch";

fn bad(why: impl std::fmt::Display) -> Error {
    Error::from_reason(format!("{WHAT}: {why}"))
}

struct Node {
    len: usize,
    has_validity: bool,
    validity_offset: usize,
    offset: usize,
}

/// Walks the description of a call's batches.
pub struct Columns {
    numbers: Vec<f64>,
    at: usize,
    buffers: std::vec::IntoIter<Uint8Array>,
    batches: usize,
}

impl Columns {
    pub fn new(numbers: Vec<f64>, buffers: Vec<Uint8Array>) -> Result<Self> {
        let mut c = Columns { numbers, at: 0, buffers: buffers.into_iter(), batches: 0 };
        c.batches = c.count()?;
        Ok(c)
    }

    fn count(&mut self) -> Result<usize> {
        let v = *self.numbers.get(self.at).ok_or_else(|| bad("the batch description ends early"))?;
        self.at += 1;
        if !(v >= 0.0 && v.fract() == 0.0 && v <= 9_007_199_254_740_991.0) {
            return Err(bad(format!("{v} in the batch description is not a count")));
        }
        Ok(v as usize)
    }

    fn node(&mut self) -> Result<Node> {
        let len = self.count()?;
        let _null_count = self.count()?; // recounted from the bitmap: a wrong count must not reach the encoder
        let has_validity = self.count()? != 0;
        let validity_offset = self.count()?;
        let offset = self.count()?;
        Ok(Node { len, has_validity, validity_offset, offset })
    }

    fn buffer(&mut self) -> Result<Buffer> {
        let bytes = self.buffers.next().ok_or_else(|| bad("fewer buffers than the batch description needs"))?;
        Ok(Buffer::from(bytes::Bytes::from_owner(JsBytes(bytes))))
    }

    /// The next batch, or None after the last.
    pub fn next_batch(&mut self, schema: &SchemaRef) -> Result<Option<RecordBatch>> {
        if self.batches == 0 {
            if self.at != self.numbers.len() || self.buffers.len() != 0 {
                return Err(bad("the batch description has more than its batches"));
            }
            return Ok(None);
        }
        self.batches -= 1;
        let rows = self.count()?;
        let columns = schema.fields().iter().map(|f| self.array(f.data_type())).collect::<Result<Vec<_>>>()?;
        let options = RecordBatchOptions::new().with_row_count(Some(rows));
        RecordBatch::try_new_with_options(schema.clone(), columns, &options).map(Some).map_err(|e| failed("A batch does not match the file's schema", e))
    }

    fn bits(&mut self, offset: usize, len: usize) -> Result<BooleanBuffer> {
        let buffer = self.buffer()?;
        if buffer.len().saturating_mul(8) < offset.saturating_add(len) {
            return Err(bad(format!("a bitmap of {} bytes for {len} values from bit {offset}", buffer.len())));
        }
        Ok(BooleanBuffer::new(buffer, offset, len))
    }

    /// `count` values of `T` from element `offset` of the next buffer, copied only to align them.
    fn scalars<T: ArrowNativeType>(&mut self, offset: usize, count: usize) -> Result<ScalarBuffer<T>> {
        let mut buffer = self.buffer()?;
        let size = std::mem::size_of::<T>();
        if buffer.len() < offset.saturating_add(count).saturating_mul(size) {
            return Err(bad(format!("a buffer of {} bytes for {count} values of {size} bytes from {offset}", buffer.len())));
        }
        if buffer.as_ptr().align_offset(std::mem::align_of::<T>()) != 0 {
            buffer = Buffer::from_slice_ref(buffer.as_slice());
        }
        Ok(ScalarBuffer::new(buffer, offset, count))
    }

    fn offsets<O: ArrowNativeType + Ord>(&mut self, node: &Node) -> Result<OffsetBuffer<O>> {
        let offsets = self.scalars::<O>(node.offset, node.len + 1)?;
        // OffsetBuffer::new would panic on these.
        if offsets[0] < O::usize_as(0) || offsets.windows(2).any(|w| w[0] > w[1]) {
            return Err(bad("offsets that are negative or decrease"));
        }
        Ok(OffsetBuffer::new(offsets))
    }

    fn array(&mut self, data_type: &DataType) -> Result<ArrayRef> {
        let node = self.node()?;
        let nulls = if node.has_validity { Some(NullBuffer::new(self.bits(node.validity_offset, node.len)?)) } else { None };
        let invalid = |e| failed(WHAT, e);
        macro_rules! primitive {
            ($t:ty) => {{
                let values = self.scalars::<<$t as ArrowPrimitiveType>::Native>(node.offset, node.len)?;
                Arc::new(PrimitiveArray::<$t>::try_new(values, nulls).map_err(invalid)?.with_data_type(data_type.clone())) as ArrayRef
            }};
        }
        Ok(downcast_primitive! {
            data_type => (primitive),
            DataType::Boolean => Arc::new(BooleanArray::new(self.bits(node.offset, node.len)?, nulls)),
            DataType::Utf8 => Arc::new(StringArray::try_new(self.offsets(&node)?, self.buffer()?, nulls).map_err(invalid)?),
            DataType::LargeUtf8 => Arc::new(LargeStringArray::try_new(self.offsets(&node)?, self.buffer()?, nulls).map_err(invalid)?),
            DataType::Binary => Arc::new(BinaryArray::try_new(self.offsets(&node)?, self.buffer()?, nulls).map_err(invalid)?),
            DataType::LargeBinary => Arc::new(LargeBinaryArray::try_new(self.offsets(&node)?, self.buffer()?, nulls).map_err(invalid)?),
            DataType::FixedSizeBinary(width) => {
                let width_bytes = usize::try_from(*width).map_err(|_| bad("a negative width"))?;
                let values = self.buffer()?;
                let start = node.offset.saturating_mul(width_bytes);
                if values.len() < start.saturating_add(node.len.saturating_mul(width_bytes)) {
                    return Err(bad(format!("{} bytes for {} values of {width_bytes} bytes", values.len(), node.len)));
                }
                let values = values.slice_with_length(start, node.len * width_bytes);
                Arc::new(FixedSizeBinaryArray::try_new(*width, values, nulls).map_err(invalid)?)
            }
            DataType::List(field) => {
                let offsets = self.offsets::<i32>(&node)?;
                let values = self.array(field.data_type())?;
                Arc::new(ListArray::try_new(field.clone(), offsets, values, nulls).map_err(invalid)?)
            }
            DataType::Map(field, ordered) => {
                let offsets = self.offsets::<i32>(&node)?;
                let entries = self.array(field.data_type())?;
                let entries = entries.as_any().downcast_ref::<StructArray>().ok_or_else(|| bad("map entries that are not a struct"))?.clone();
                Arc::new(MapArray::try_new(field.clone(), offsets, entries, nulls, *ordered).map_err(invalid)?)
            }
            DataType::Struct(fields) => {
                // Arrow JS windows a struct's children with it: they start at its first row.
                let children = fields.iter().map(|f| self.array(f.data_type())).collect::<Result<Vec<_>>>()?;
                Arc::new(StructArray::try_new_with_length(fields.clone(), children, nulls, node.len).map_err(invalid)?)
            }
            other => return Err(bad(format!("{other} columns are sent as IPC, not as buffers"))),
        })
    }
}

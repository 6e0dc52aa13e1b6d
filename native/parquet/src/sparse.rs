//! A Parquet file of which only some byte ranges are present: the column chunks the JS side
//! fetched. A read outside them is an error naming the range, never a panic or a silent zero.

use bytes::{Buf, Bytes};
use napi::bindgen_prelude::Uint8Array;
use parquet::errors::{ParquetError, Result};
use parquet::file::reader::{ChunkReader, Length};

/// A JS byte array read without copying; its JS object stays alive while any slice does.
pub(crate) struct JsBytes(pub(crate) Uint8Array);

impl AsRef<[u8]> for JsBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

pub struct SparseFile {
    size: u64,
    /// (file offset, bytes), sorted by offset.
    ranges: Vec<(u64, Bytes)>,
}

impl SparseFile {
    pub fn new(size: u64, ranges: Vec<(u64, Uint8Array)>) -> Self {
        let mut ranges: Vec<(u64, Bytes)> = ranges.into_iter().map(|(at, b)| (at, Bytes::from_owner(JsBytes(b)))).collect();
        ranges.sort_by_key(|(at, _)| *at);
        SparseFile { size, ranges }
    }

    /// The bytes [start, start + length), or from `start` to the end of the range holding it when `length` is None.
    fn slice(&self, start: u64, length: Option<usize>) -> Result<Bytes> {
        let end = start.saturating_add(length.unwrap_or(1) as u64);
        // The last range starting at or before `start` is the only one that can hold it.
        let found = match self.ranges.partition_point(|(at, _)| *at <= start) {
            0 => None,
            i => Some(&self.ranges[i - 1]),
        };
        if let Some((at, bytes)) = found {
            let range_end = at + bytes.len() as u64;
            if end <= range_end {
                let from = (start - at) as usize;
                return Ok(match length {
                    Some(n) => bytes.slice(from..from + n),
                    None => bytes.slice(from..),
                });
            }
        }
        Err(ParquetError::General(format!(
            "the decoder needs bytes {start}..{end} of the file, which were not fetched (fetched: {})",
            self.fetched()
        )))
    }

    fn fetched(&self) -> String {
        let mut parts: Vec<String> = self.ranges.iter().take(8).map(|(at, b)| format!("{at}..{}", at + b.len() as u64)).collect();
        if self.ranges.len() > 8 {
            parts.push(format!("and {} more", self.ranges.len() - 8));
        }
        if parts.is_empty() {
            "nothing".to_owned()
        } else {
            parts.join(", ")
        }
    }
}

impl Length for SparseFile {
    fn len(&self) -> u64 {
        self.size
    }
}

impl ChunkReader for SparseFile {
    type T = bytes::buf::Reader<Bytes>;

    fn get_read(&self, start: u64) -> Result<Self::T> {
        Ok(self.slice(start, None)?.reader())
    }

    fn get_bytes(&self, start: u64, length: usize) -> Result<Bytes> {
        self.slice(start, Some(length))
    }
}

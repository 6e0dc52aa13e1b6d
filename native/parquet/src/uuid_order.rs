//! Whether two orders of uuids agree on a file's extremes. Parquet's statistics order 16-byte
//! values as unsigned bytes (RFC 9562); Iceberg Java before apache/iceberg#14500 compared uuids as
//! java.util.UUID does, two signed 64-bit halves, and skips a file for values between bounds that
//! are only right in the other order. Floe writes uuid bounds only where both orders pick the same
//! min and max (core/iceberg/spec/column-stats.ts), which the footer alone cannot tell.

use arrow_array::{Array, FixedSizeBinaryArray, RecordBatch};
use napi::{Error, Result};

type Uuid = [u8; 16];

/// java.util.UUID's order as a key: both big-endian halves signed.
fn signed_key(v: &Uuid) -> (i64, i64) {
    let (hi, lo) = v.split_at(8);
    (i64::from_be_bytes(hi.try_into().unwrap_or_default()), i64::from_be_bytes(lo.try_into().unwrap_or_default()))
}

/// The extremes of one top-level uuid column in both orders, fed batch by batch.
pub struct UuidOrder {
    pub name: String,
    column: usize,
    bytes: Option<(Uuid, Uuid)>,
    signed: Option<(Uuid, Uuid)>,
}

impl UuidOrder {
    pub fn new(name: String, column: usize) -> Self {
        UuidOrder { name, column, bytes: None, signed: None }
    }

    pub fn add(&mut self, batch: &RecordBatch) -> Result<()> {
        let array = batch
            .column(self.column)
            .as_any()
            .downcast_ref::<FixedSizeBinaryArray>()
            .filter(|a| a.value_length() == 16)
            .ok_or_else(|| Error::from_reason(format!("column \"{}\" holds uuids but is not FixedSizeBinary(16)", self.name)))?;
        for i in 0..array.len() {
            if array.is_null(i) {
                continue;
            }
            let v: Uuid = array.value(i).try_into().unwrap_or_default();
            let (lo, hi) = self.bytes.get_or_insert((v, v));
            if v < *lo {
                *lo = v;
            } else if v > *hi {
                *hi = v;
            }
            let (lo, hi) = self.signed.get_or_insert((v, v));
            let key = signed_key(&v);
            if key < signed_key(lo) {
                *lo = v;
            } else if key > signed_key(hi) {
                *hi = v;
            }
        }
        Ok(())
    }

    /// True when both orders pick the same min and max (or there is no value).
    pub fn agree(&self) -> bool {
        self.bytes == self.signed
    }
}

//! Reading: the footer from the file's tail, then one row group at a time from the column chunk
//! bytes the JS side fetched, decoded a batch per call.

use std::sync::{Arc, Mutex};

use arrow_array::{RecordBatch, RecordBatchReader};
use arrow_ipc::writer::StreamWriter;
use arrow_schema::Schema;
use bytes::Bytes;
use napi::bindgen_prelude::{AsyncTask, Buffer, Either, Uint8Array};
use napi::{Env, Error, Result, Task};
use napi_derive::napi;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ProjectionMask;
use parquet::basic::Compression;
use parquet::errors::ParquetError;
use parquet::file::metadata::ParquetMetaDataReader;

use crate::export::{exportable, Decoded, Export};
use crate::sparse::SparseFile;
use crate::writer::KeyValuePair;
use crate::{failed, guarded};

#[napi]
pub struct ParquetFooter {
    meta: ArrowReaderMetadata,
    size: u64,
}

#[napi(object)]
pub struct ColumnChunkInfo {
    /// Byte range of the chunk in the file, dictionary page included.
    pub start: f64,
    pub length: f64,
    pub compressed_size: f64,
    pub uncompressed_size: f64,
    pub null_count: Option<f64>,
    /// With `info(true)`: the chunk's min and max statistics as Parquet stores them (PLAIN-encoded
    /// bytes), whether each is the exact value or a truncated bound, and its NaN count (floats).
    pub min: Option<Buffer>,
    pub max: Option<Buffer>,
    pub min_exact: Option<bool>,
    pub max_exact: Option<bool>,
    pub nan_count: Option<f64>,
}

#[napi(object)]
pub struct RowGroupInfo {
    pub num_rows: f64,
    /// One per leaf column, in the order of `FooterInfo.leaves`.
    pub columns: Vec<ColumnChunkInfo>,
}

#[napi(object)]
pub struct FooterInfo {
    pub num_rows: f64,
    pub created_by: Option<String>,
    pub key_value_metadata: Vec<KeyValuePair>,
    /// Leaf column paths (["col", "list", "element"]), by leaf index.
    pub leaves: Vec<Vec<String>>,
    /// Physical type of each leaf (BOOLEAN, INT32, INT64, FLOAT, DOUBLE, BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY, INT96).
    pub leaf_types: Vec<String>,
    pub row_groups: Vec<RowGroupInfo>,
    /// Set when the file uses something this build cannot decode (a codec left out of it).
    pub unsupported: Option<String>,
}

fn supported(c: Compression) -> bool {
    matches!(c, Compression::UNCOMPRESSED | Compression::SNAPPY | Compression::GZIP(_) | Compression::ZSTD(_) | Compression::LZ4 | Compression::LZ4_RAW)
}

fn ipc_bytes(schema: &Schema, batches: &[RecordBatch]) -> Result<Vec<u8>> {
    let capacity = batches.iter().map(|b| b.get_array_memory_size()).sum::<usize>() + 4096;
    let mut w = StreamWriter::try_new(Vec::with_capacity(capacity), schema).map_err(|e| failed("Writing Arrow IPC", e))?;
    for b in batches {
        w.write(b).map_err(|e| failed("Writing Arrow IPC", e))?;
    }
    w.finish().map_err(|e| failed("Writing Arrow IPC", e))?;
    w.into_inner().map_err(|e| failed("Writing Arrow IPC", e))
}

/// Parses the footer from the last bytes of a file of `file_size` bytes. Returns how many tail
/// bytes it needs when `tail` holds too few.
#[napi(ts_return_type = "ParquetFooter | number")]
pub fn parse_footer(tail: Uint8Array, file_size: f64) -> Result<Either<ParquetFooter, u32>> {
    guarded("Reading the Parquet footer", || {
        let size = file_size as u64;
        if tail.len() as u64 > size {
            return Err(Error::from_reason(format!("{} tail bytes given for a file of {size}", tail.len())));
        }
        let bytes = Bytes::copy_from_slice(&tail);
        let mut reader = ParquetMetaDataReader::new();
        match reader.try_parse_sized(&bytes, size) {
            Ok(()) => {}
            Err(ParquetError::NeedMoreData(n)) => return Ok(Either::B(u32::try_from(n).unwrap_or(u32::MAX))),
            Err(e) => return Err(failed("Reading the Parquet footer", e)),
        }
        let metadata = reader.finish().map_err(|e| failed("Reading the Parquet footer", e))?;
        let meta = ArrowReaderMetadata::try_new(Arc::new(metadata), ArrowReaderOptions::new()).map_err(|e| failed("Parquet schema to Arrow", e))?;
        Ok(Either::A(ParquetFooter { meta, size }))
    })
}

#[napi]
impl ParquetFooter {
    /// `statistics`: also each chunk's min/max statistics (for a writer's metrics; a reader has no use for them).
    #[napi]
    pub fn info(&self, statistics: Option<bool>) -> Result<FooterInfo> {
        let statistics = statistics.unwrap_or(false);
        guarded("Reading the Parquet footer", || {
            let md = self.meta.metadata();
            let file = md.file_metadata();
            let mut unsupported = None;
            let row_groups = md
                .row_groups()
                .iter()
                .map(|rg| RowGroupInfo {
                    num_rows: rg.num_rows() as f64,
                    columns: rg
                        .columns()
                        .iter()
                        .map(|c| {
                            if !supported(c.compression()) && unsupported.is_none() {
                                unsupported = Some(format!("{} compression", c.compression()));
                            }
                            let (start, length) = c.byte_range();
                            let stats = c.statistics().filter(|_| statistics);
                            ColumnChunkInfo {
                                start: start as f64,
                                length: length as f64,
                                compressed_size: c.compressed_size() as f64,
                                uncompressed_size: c.uncompressed_size() as f64,
                                null_count: c.statistics().and_then(|s| s.null_count_opt()).map(|n| n as f64),
                                min: stats.and_then(|s| s.min_bytes_opt()).map(|b| b.to_vec().into()),
                                max: stats.and_then(|s| s.max_bytes_opt()).map(|b| b.to_vec().into()),
                                min_exact: stats.filter(|s| s.min_bytes_opt().is_some()).map(|s| s.min_is_exact()),
                                max_exact: stats.filter(|s| s.max_bytes_opt().is_some()).map(|s| s.max_is_exact()),
                                nan_count: stats.and_then(|s| s.nan_count_opt()).map(|n| n as f64),
                            }
                        })
                        .collect(),
                })
                .collect();
            Ok(FooterInfo {
                num_rows: file.num_rows() as f64,
                created_by: file.created_by().map(str::to_owned),
                key_value_metadata: file
                    .key_value_metadata()
                    .map(|kv| kv.iter().map(|p| KeyValuePair { key: p.key.clone(), value: p.value.clone().unwrap_or_default() }).collect())
                    .unwrap_or_default(),
                leaves: file.schema_descr().columns().iter().map(|c| c.path().parts().to_vec()).collect(),
                leaf_types: file.schema_descr().columns().iter().map(|c| c.physical_type().to_string()).collect(),
                row_groups,
                unsupported,
            })
        })
    }

    /// The file's Arrow schema (fields carry `PARQUET:field_id`), as an IPC stream of no batch.
    #[napi]
    pub fn arrow_schema(&self) -> Result<Buffer> {
        guarded("Reading the Parquet schema", || Ok(ipc_bytes(self.meta.schema(), &[])?.into()))
    }
}

#[napi(object, object_to_js = false)]
pub struct FetchedRange {
    pub offset: f64,
    pub bytes: Uint8Array,
}

struct Plan {
    meta: ArrowReaderMetadata,
    file: SparseFile,
    row_group: usize,
    leaves: Option<Vec<usize>>,
    batch_rows: usize,
    limit: Option<usize>,
}

struct Reading {
    reader: ParquetRecordBatchReader,
    /// Whether the batches can cross as buffers (src/export.rs), by their schema.
    exportable: bool,
    schema_sent: bool,
}

enum DecoderState {
    Ready(Box<Plan>),
    Reading(Box<Reading>),
    Done,
}

/// Decodes one row group from its fetched column chunks, a few batches per `next()`.
#[napi]
pub struct RowGroupDecoder {
    state: Arc<Mutex<DecoderState>>,
    row_group: usize,
}

#[napi]
impl RowGroupDecoder {
    /// `leaves`: leaf column indices to decode (all when null). `ranges`: the file bytes fetched,
    /// which must hold those leaves' column chunks in this row group.
    #[napi(constructor)]
    pub fn new(footer: &ParquetFooter, row_group: u32, leaves: Option<Vec<u32>>, ranges: Vec<FetchedRange>, batch_rows: u32, limit: Option<f64>) -> Result<Self> {
        let md = footer.meta.metadata();
        let row_group = row_group as usize;
        if row_group >= md.num_row_groups() {
            return Err(Error::from_reason(format!("row group {row_group} does not exist: the file has {}", md.num_row_groups())));
        }
        let n = md.file_metadata().schema_descr().num_columns();
        let leaves = leaves.map(|l| l.into_iter().map(|i| i as usize).collect::<Vec<_>>());
        if let Some(bad) = leaves.as_ref().and_then(|l| l.iter().find(|&&i| i >= n)) {
            return Err(Error::from_reason(format!("leaf column {bad} does not exist: the file has {n}")));
        }
        let ranges = ranges.into_iter().map(|r| (r.offset as u64, r.bytes)).collect();
        let plan = Plan {
            meta: footer.meta.clone(),
            file: SparseFile::new(footer.size, ranges),
            row_group,
            leaves,
            batch_rows: batch_rows.max(1) as usize,
            limit: limit.map(|l| l.max(0.0) as usize),
        };
        Ok(RowGroupDecoder { state: Arc::new(Mutex::new(DecoderState::Ready(Box::new(plan)))), row_group })
    }

    /// The next `batches` batches (1 by default; fewer at the end) as their buffers in place
    /// (src/export.rs), or as an Arrow IPC stream where a column's layout needs it or `ipc` asks
    /// for it; null after the last.
    #[napi(ts_return_type = "Promise<Buffer | { schema: Buffer | null, layout: Float64Array, buffers: ArrayBuffer[] } | null>")]
    pub fn next(&self, batches: Option<u32>, ipc: Option<bool>) -> AsyncTask<NextTask> {
        AsyncTask::new(NextTask {
            state: self.state.clone(),
            row_group: self.row_group,
            batches: batches.unwrap_or(1).max(1) as usize,
            ipc: ipc.unwrap_or(false),
        })
    }

    /// Frees the decoder and the bytes it holds. Never blocks: a `next()` in flight keeps them until it ends.
    #[napi]
    pub fn close(&self) {
        if let Ok(mut state) = self.state.try_lock() {
            *state = DecoderState::Done;
        }
    }
}

pub struct NextTask {
    state: Arc<Mutex<DecoderState>>,
    row_group: usize,
    batches: usize,
    ipc: bool,
}

fn build(plan: Plan) -> parquet::errors::Result<ParquetRecordBatchReader> {
    let mask = match &plan.leaves {
        Some(leaves) => ProjectionMask::leaves(plan.meta.parquet_schema(), leaves.iter().copied()),
        None => ProjectionMask::all(),
    };
    let mut b = ParquetRecordBatchReaderBuilder::new_with_metadata(plan.file, plan.meta)
        .with_row_groups(vec![plan.row_group])
        .with_projection(mask)
        .with_batch_size(plan.batch_rows);
    if let Some(limit) = plan.limit {
        b = b.with_limit(limit);
    }
    b.build()
}

impl NextTask {
    fn run(&mut self) -> Result<Decoded> {
        let what = format!("Decoding row group {}", self.row_group);
        let mut state = self.state.lock().map_err(|_| Error::from_reason(format!("{what}: the decoder failed earlier")))?;
        if let DecoderState::Ready(_) = &*state {
            let DecoderState::Ready(plan) = std::mem::replace(&mut *state, DecoderState::Done) else { unreachable!() };
            let reader = build(*plan).map_err(|e| failed(&what, e))?;
            let exportable = exportable(&reader.schema());
            *state = DecoderState::Reading(Box::new(Reading { reader, exportable, schema_sent: false }));
        }
        let DecoderState::Reading(reading) = &mut *state else { return Ok(Decoded::End) };
        let mut batches = Vec::with_capacity(self.batches);
        let mut ended = false;
        while batches.len() < self.batches {
            match reading.reader.next() {
                Some(Ok(batch)) => batches.push(batch),
                Some(Err(e)) => {
                    *state = DecoderState::Done;
                    return Err(failed(&what, e));
                }
                None => {
                    ended = true;
                    break;
                }
            }
        }
        let out = if batches.is_empty() {
            Decoded::End
        } else if reading.exportable && !self.ipc {
            let schema = if reading.schema_sent { None } else { Some(ipc_bytes(&reading.reader.schema(), &[])?) };
            reading.schema_sent = true;
            Decoded::Columns { schema, export: Export::new(&batches)? }
        } else {
            Decoded::Ipc(ipc_bytes(&reading.reader.schema(), &batches)?)
        };
        if ended {
            *state = DecoderState::Done;
        }
        Ok(out)
    }
}

impl Task for NextTask {
    type Output = Decoded;
    type JsValue = Decoded;

    fn compute(&mut self) -> Result<Decoded> {
        guarded(&format!("Decoding row group {}", self.row_group), || self.run())
    }

    fn resolve(&mut self, _env: Env, output: Decoded) -> Result<Decoded> {
        // Converted to JS values (the external ArrayBuffers) by `Decoded`'s ToNapiValue.
        Ok(output)
    }
}

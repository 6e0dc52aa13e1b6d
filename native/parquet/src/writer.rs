//! The streaming writer: Arrow IPC batches in, Parquet bytes out as row groups complete.

use std::collections::HashMap;
use std::io::Cursor;
use std::sync::{Arc, Mutex};

use arrow_array::{RecordBatch, RecordBatchOptions};
use arrow_ipc::reader::{StreamDecoder, StreamReader};
use arrow_schema::{DataType, SchemaRef};
use napi::bindgen_prelude::{AsyncTask, Buffer, Either, Float64Array, Uint8Array};
use napi::{Env, Error, Result, Task};
use napi_derive::napi;
use parquet::arrow::{ArrowSchemaConverter, ArrowWriter};
use parquet::basic::{Compression, GzipLevel, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

use crate::columns::Columns;
use crate::sparse::JsBytes;
use crate::uuid_order::UuidOrder;
use crate::{failed, guarded};

#[napi(object)]
pub struct KeyValuePair {
    pub key: String,
    pub value: String,
}

#[napi(object, object_to_js = false)]
pub struct WriterOptions {
    /// zstd | snappy | gzip | uncompressed
    pub compression: String,
    /// zstd 1-22 (default 1), gzip 0-10 (default 6).
    pub compression_level: Option<i32>,
    pub max_row_group_size: u32,
    /// chunk (default) | page | none
    pub statistics: Option<String>,
    /// Dictionary encoding for every column unless `dictionary_columns` says otherwise (default on).
    pub dictionary: Option<bool>,
    /// By top-level column name (all its leaves) or dotted leaf path.
    pub dictionary_columns: Option<HashMap<String, bool>>,
    pub key_value_metadata: Option<Vec<KeyValuePair>>,
    pub created_by: Option<String>,
    /// Bytes per data page (default 1 MiB).
    pub data_page_size: Option<u32>,
    /// Rows per data page at most (default 20,000).
    pub data_page_row_limit: Option<u32>,
    /// Rows handed to the column encoders at a time (default 1,024).
    pub write_batch_size: Option<u32>,
    /// Bytes of dictionary before a column chunk falls back to plain encoding (default 1 MiB).
    pub dictionary_page_size: Option<u32>,
    /// Bytes kept of a byte-array min or max statistic (default 64): a longer one is truncated
    /// (the max incremented) and marked inexact in the footer.
    pub statistics_truncate_length: Option<u32>,
    /// Top-level FixedSizeBinary(16) columns holding uuids, whose two orders `uuidOrdersAgree` reports.
    pub uuid_columns: Option<Vec<String>>,
}

struct FileState {
    /// None once the file is finished, dropped or failed.
    writer: Option<ArrowWriter<Vec<u8>>>,
    uuids: Vec<UuidOrder>,
}

type SharedWriter = Arc<Mutex<FileState>>;

/// One Parquet file being written. Calls on one writer must be awaited one at a time.
#[napi]
pub struct ParquetWriter {
    state: SharedWriter,
    schema: SchemaRef,
}

fn read_ipc(bytes: &[u8], what: &str) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    let reader = StreamReader::try_new(Cursor::new(bytes), None).map_err(|e| failed(what, e))?;
    let schema = reader.schema();
    let batches = reader.collect::<std::result::Result<Vec<_>, _>>().map_err(|e| failed(what, e))?;
    Ok((schema, batches))
}

/// The batches of an IPC stream, their buffers slices of `bytes` (no copy).
fn decode_ipc(bytes: Vec<u8>) -> Result<Vec<RecordBatch>> {
    let what = "Reading an Arrow batch";
    let mut buffer = arrow_buffer::Buffer::from_vec(bytes);
    let mut decoder = StreamDecoder::new();
    let mut batches = Vec::new();
    while !buffer.is_empty() {
        if let Some(batch) = decoder.decode(&mut buffer).map_err(|e| failed(what, e))? {
            batches.push(batch);
        }
    }
    decoder.finish().map_err(|e| failed(what, e))?;
    Ok(batches)
}

fn properties(schema: &SchemaRef, o: &WriterOptions) -> Result<WriterProperties> {
    let level = o.compression_level;
    let compression = match o.compression.as_str() {
        "zstd" => Compression::ZSTD(match level {
            Some(l) => ZstdLevel::try_new(l).map_err(|e| failed("zstd level", e))?,
            None => ZstdLevel::default(),
        }),
        "gzip" => Compression::GZIP(match level {
            Some(l) => GzipLevel::try_new(u32::try_from(l).unwrap_or(u32::MAX)).map_err(|e| failed("gzip level", e))?,
            None => GzipLevel::default(),
        }),
        "snappy" => Compression::SNAPPY,
        "uncompressed" => Compression::UNCOMPRESSED,
        other => return Err(Error::from_reason(format!("unknown Parquet compression \"{other}\" (zstd, snappy, gzip or uncompressed)"))),
    };
    let statistics = match o.statistics.as_deref().unwrap_or("chunk") {
        "chunk" => EnabledStatistics::Chunk,
        "page" => EnabledStatistics::Page,
        "none" => EnabledStatistics::None,
        other => return Err(Error::from_reason(format!("unknown statistics level \"{other}\" (chunk, page or none)"))),
    };
    let mut b = WriterProperties::builder()
        .set_compression(compression)
        .set_max_row_group_row_count(Some(o.max_row_group_size.max(1) as usize))
        .set_statistics_enabled(statistics)
        .set_created_by(o.created_by.clone().unwrap_or_else(|| "floe".to_owned()));
    if let Some(on) = o.dictionary {
        b = b.set_dictionary_enabled(on);
    }
    if let Some(v) = o.data_page_size {
        b = b.set_data_page_size_limit(v as usize);
    }
    if let Some(v) = o.data_page_row_limit {
        b = b.set_data_page_row_count_limit(v as usize);
    }
    if let Some(v) = o.write_batch_size {
        b = b.set_write_batch_size(v as usize);
    }
    if let Some(v) = o.dictionary_page_size {
        b = b.set_dictionary_page_size_limit(v as usize);
    }
    if let Some(v) = o.statistics_truncate_length {
        b = b.set_statistics_truncate_length(Some(v.max(1) as usize));
    }
    if let Some(kv) = &o.key_value_metadata {
        b = b.set_key_value_metadata(Some(kv.iter().map(|p| KeyValue::new(p.key.clone(), p.value.clone())).collect()));
    }
    if let Some(columns) = &o.dictionary_columns {
        // The writer keys column settings by leaf path: a top-level name stands for all its leaves.
        let parquet = ArrowSchemaConverter::new().convert(schema).map_err(|e| failed("Parquet schema", e))?;
        for leaf in parquet.columns() {
            let path = leaf.path();
            let parts = path.parts();
            let dotted = path.string();
            let on = columns.get(&parts[0]).or_else(|| columns.get(&dotted));
            if let Some(&on) = on {
                b = b.set_column_dictionary_enabled(ColumnPath::new(parts.to_vec()), on);
            }
        }
    }
    Ok(b.build())
}

#[napi]
impl ParquetWriter {
    /// `schema_ipc`: an Arrow IPC stream holding the schema (batches, if any, are ignored).
    #[napi(constructor)]
    pub fn new(schema_ipc: Uint8Array, options: WriterOptions) -> Result<Self> {
        guarded("Creating a Parquet writer", || {
            let (schema, _) = read_ipc(&schema_ipc, "Reading the Arrow schema")?;
            let props = properties(&schema, &options)?;
            let mut uuids = Vec::new();
            for name in options.uuid_columns.iter().flatten() {
                let (column, field) = schema.column_with_name(name).ok_or_else(|| Error::from_reason(format!("uuid column \"{name}\" is not in the schema")))?;
                if field.data_type() != &DataType::FixedSizeBinary(16) {
                    return Err(Error::from_reason(format!("uuid column \"{name}\" is {}, not FixedSizeBinary(16)", field.data_type())));
                }
                uuids.push(UuidOrder::new(name.clone(), column));
            }
            let writer = ArrowWriter::try_new(Vec::new(), schema.clone(), Some(props)).map_err(|e| failed("Creating a Parquet writer", e))?;
            Ok(ParquetWriter { state: Arc::new(Mutex::new(FileState { writer: Some(writer), uuids })), schema })
        })
    }

    /// Encodes the batches of an Arrow IPC stream, given whole or as the parts that make it up in
    /// order; resolves to the file bytes completed since the last call (empty until a row group is
    /// full). The bytes are copied before this returns: the caller may reuse its buffers at once.
    #[napi(ts_return_type = "Promise<Buffer>")]
    pub fn write(&self, ipc: Either<Uint8Array, Vec<Uint8Array>>) -> Result<AsyncTask<WriteTask>> {
        let bytes = guarded("Writing Parquet", || {
            Ok(match &ipc {
                Either::A(whole) => whole.to_vec(),
                Either::B(parts) => {
                    let mut bytes = Vec::with_capacity(parts.iter().map(|p| p.len()).sum());
                    for p in parts {
                        bytes.extend_from_slice(p);
                    }
                    bytes
                }
            })
        })?;
        Ok(self.task(Input::Copied(bytes), false))
    }

    /// Encodes the batches of an Arrow IPC stream given as the parts that make it up in order,
    /// read where they are on the pool thread: the caller must leave them unchanged until the
    /// promise settles. The JS thread copies nothing, and the task holds one batch at a time.
    /// With `finish`, also writes the footer. Resolves to the file bytes completed by this call.
    #[napi(ts_return_type = "Promise<Buffer>")]
    pub fn write_shared(&self, parts: Vec<Uint8Array>, finish: bool) -> AsyncTask<WriteTask> {
        self.task(Input::Shared(parts), finish)
    }

    /// Encodes batches given as their column buffers where they lie in JS memory, described by
    /// `description` (see columns.rs): no IPC stream is built or copied. As `writeShared`, the
    /// buffers must not change until the promise settles; with `finish`, the footer too.
    #[napi(ts_return_type = "Promise<Buffer>")]
    pub fn write_columns(&self, description: Float64Array, buffers: Vec<Uint8Array>, finish: bool) -> AsyncTask<WriteTask> {
        self.task(Input::Columns(description.to_vec(), buffers), finish)
    }

    /// Writes the last row group and the footer; resolves to the rest of the file.
    #[napi(ts_return_type = "Promise<Buffer>")]
    pub fn finish(&self) -> AsyncTask<WriteTask> {
        self.task(Input::Shared(Vec::new()), true)
    }

    /// Drops an unfinished file (the consumer stopped early). Never blocks: a write in flight
    /// keeps the writer until it ends.
    #[napi]
    pub fn abort(&self) {
        if let Ok(mut state) = self.state.try_lock() {
            state.writer.take();
        }
    }

    /// Per `uuidColumns` entry, whether java.util.UUID's order (two signed halves) picks the same
    /// min and max as the byte order of the footer's statistics, over the batches written so far.
    /// Asked between calls: it never waits for a write in flight (that would block the JS thread).
    #[napi(ts_return_type = "Record<string, boolean>")]
    pub fn uuid_orders_agree(&self) -> Result<HashMap<String, bool>> {
        let state = self.state.try_lock().map_err(|_| Error::from_reason("the Parquet writer is busy or failed earlier"))?;
        Ok(state.uuids.iter().map(|u| (u.name.clone(), u.agree())).collect())
    }

    fn task(&self, input: Input, finish: bool) -> AsyncTask<WriteTask> {
        AsyncTask::new(WriteTask { state: self.state.clone(), schema: self.schema.clone(), input, finish })
    }
}

enum Input {
    /// One IPC stream, already copied out of JS memory.
    Copied(Vec<u8>),
    /// The parts of one IPC stream, in JS memory.
    Shared(Vec<Uint8Array>),
    /// Column buffers in JS memory and their description (columns.rs).
    Columns(Vec<f64>, Vec<Uint8Array>),
}

pub struct WriteTask {
    state: SharedWriter,
    schema: SchemaRef,
    input: Input,
    finish: bool,
}

/// Writes one batch, relabelled with the file's schema (field ids included), whatever its IPC header said.
fn write_batch(file: &mut FileState, schema: &SchemaRef, batch: RecordBatch) -> Result<()> {
    let options = RecordBatchOptions::new().with_row_count(Some(batch.num_rows()));
    let batch = RecordBatch::try_new_with_options(schema.clone(), batch.columns().to_vec(), &options)
        .map_err(|e| failed("A batch does not match the file's schema", e))?;
    let writer = file.writer.as_mut().ok_or_else(|| Error::from_reason("the Parquet writer is finished or failed earlier"))?;
    for uuid in &mut file.uuids {
        uuid.add(&batch)?;
    }
    writer.write(&batch).map_err(|e| failed("Encoding a batch", e))
}

impl WriteTask {
    fn encode(&mut self, file: &mut FileState) -> Result<()> {
        match std::mem::replace(&mut self.input, Input::Shared(Vec::new())) {
            Input::Copied(ipc) => {
                for batch in decode_ipc(ipc)? {
                    write_batch(file, &self.schema, batch)?;
                }
            }
            Input::Shared(parts) => {
                // Each batch is decoded once its message is complete (a body spread over parts is
                // gathered into one buffer) and encoded before the next is decoded.
                let what = "Reading an Arrow batch";
                let mut decoder = StreamDecoder::new();
                for part in parts {
                    let mut buffer = arrow_buffer::Buffer::from(bytes::Bytes::from_owner(JsBytes(part)));
                    while !buffer.is_empty() {
                        if let Some(batch) = decoder.decode(&mut buffer).map_err(|e| failed(what, e))? {
                            write_batch(file, &self.schema, batch)?;
                        }
                    }
                }
                decoder.finish().map_err(|e| failed(what, e))?;
            }
            Input::Columns(description, buffers) => {
                let mut columns = Columns::new(description, buffers)?;
                while let Some(batch) = columns.next_batch(&self.schema)? {
                    write_batch(file, &self.schema, batch)?;
                }
            }
        }
        Ok(())
    }

    fn run(&mut self) -> Result<Vec<u8>> {
        let shared = self.state.clone();
        let mut state = shared.lock().map_err(|_| Error::from_reason("the Parquet writer failed earlier"))?;
        if let Err(e) = self.encode(&mut state) {
            state.writer.take(); // half a row group is in it: the file cannot be finished
            return Err(e);
        }
        if self.finish {
            let writer = state.writer.take().ok_or_else(|| Error::from_reason("the Parquet writer is already finished"))?;
            return writer.into_inner().map_err(|e| failed("Finishing the Parquet file", e));
        }
        let writer = state.writer.as_mut().ok_or_else(|| Error::from_reason("the Parquet writer is finished or failed earlier"))?;
        Ok(std::mem::take(writer.inner_mut()))
    }
}

impl Task for WriteTask {
    type Output = Vec<u8>;
    type JsValue = Buffer;

    fn compute(&mut self) -> Result<Vec<u8>> {
        let what = if self.finish { "Finishing Parquet" } else { "Writing Parquet" };
        let state = self.state.clone();
        guarded(what, || self.run()).inspect_err(|_| {
            // After a panic the mutex is poisoned, which already refuses further calls.
            if let Ok(mut s) = state.try_lock() {
                s.writer.take();
            }
        })
    }

    fn resolve(&mut self, _env: Env, output: Vec<u8>) -> Result<Buffer> {
        Ok(output.into())
    }
}

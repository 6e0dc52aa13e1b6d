// Apache Iceberg's Java library as the independent writer of merge-on-read deletes, for Floe's
// delete-file tests (PyIceberg 0.12 writes only copy-on-write deletes). Run by java-deletes.sh:
//   java DeleteWriter '<json>' | @<file holding the json>
// It opens the same SQL catalog Floe and PyIceberg use (JdbcCatalog on the SQLite file, or on the
// Postgres database with S3FileIO, as "catalog"'s "properties" say), commits each
// entry of "commits" as one RowDelta (new data files, position deletes, equality deletes; delete
// files in Parquet unless "deleteFormat" says avro; position deletes of a v3 table as deletion
// vectors), optionally after creating the table ("create"), then prints one JSON object: the files it
// wrote per commit and, with "read": true, the table's rows as Java's generic reader returns them
// (deletes applied), in the typed form pyiceberg_cli.py uses. See delete-files-helpers.ts.
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.RowDelta;
import org.apache.iceberg.Schema;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericAppenderFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.InternalRecordWrapper;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.PartitionSpecParser;
import org.apache.iceberg.SchemaParser;
import org.apache.iceberg.deletes.BaseDVFileWriter;
import org.apache.iceberg.deletes.EqualityDeleteWriter;
import org.apache.iceberg.deletes.PositionDelete;
import org.apache.iceberg.deletes.PositionDeleteWriter;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.OutputFileFactory;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

public class DeleteWriter {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final OffsetDateTime EPOCH = Instant.EPOCH.atOffset(ZoneOffset.UTC);

  public static void main(String[] args) throws Exception {
    // Large inputs (many deletes) come in a file: an argument list has a size limit.
    JsonNode in = args[0].startsWith("@") ? JSON.readTree(new java.io.File(args[0].substring(1))) : JSON.readTree(args[0]);
    JdbcCatalog catalog = new JdbcCatalog();
    catalog.setConf(new Configuration());
    Map<String, String> props = new LinkedHashMap<>();
    props.put("uri", in.get("catalog").get("uri").asText());
    props.put("warehouse", in.get("catalog").get("warehouse").asText());
    in.get("catalog").path("properties").fields().forEachRemaining((e) -> props.put(e.getKey(), e.getValue().asText()));
    catalog.initialize(in.get("catalog").path("name").asText("gourmetgram"), props);
    TableIdentifier ident = TableIdentifier.parse(in.get("table").asText());
    // "create": {"schema": <schema JSON>, "spec": <spec JSON>, "formatVersion": n}: a table made by
    // Java, e.g. of a format version PyIceberg does not write (v3).
    JsonNode create = in.path("create");
    if (!create.isMissingNode()) {
      Schema schema = SchemaParser.fromJson(create.get("schema").toString());
      PartitionSpec spec = create.has("spec") ? PartitionSpecParser.fromJson(schema, create.get("spec").toString()) : PartitionSpec.unpartitioned();
      catalog.createTable(ident, schema, spec, Map.of("format-version", create.path("formatVersion").asText("2")));
    }
    Table table = catalog.loadTable(ident);

    ObjectNode out = JSON.createObjectNode();
    ArrayNode commits = out.putArray("commits");
    long taskId = 0;
    for (JsonNode commit : in.path("commits")) {
      OutputFileFactory files = OutputFileFactory.builderFor(table, 1, ++taskId).format(FileFormat.PARQUET).build();
      // Delete files may be written as Avro, which Floe must refuse clearly rather than misread.
      FileFormat deleteFormat = FileFormat.fromString(commit.path("deleteFormat").asText("parquet"));
      OutputFileFactory deleteFiles = OutputFileFactory.builderFor(table, 1, ++taskId).format(deleteFormat).build();
      RowDelta delta = table.newRowDelta();
      ObjectNode written = commits.addObject();
      List<DataFile> added = writeData(table, files, commit.path("data"));
      ArrayNode dataPaths = written.putArray("dataFiles");
      for (DataFile f : added) {
        delta.addRows(f);
        dataPaths.add(f.location());
      }
      ArrayNode deletePaths = written.putArray("deleteFiles");
      for (DeleteFile f : writePositionDeletes(table, deleteFiles, deleteFormat, commit.path("positionDeletes"), added)) {
        delta.addDeletes(f);
        deletePaths.add(f.location());
      }
      if (commit.has("equalityDeletes")) {
        for (DeleteFile f : writeEqualityDeletes(table, deleteFiles, deleteFormat, commit.get("equalityDeletes"))) {
          delta.addDeletes(f);
          deletePaths.add(f.location());
        }
      }
      delta.commit();
      table.refresh();
      written.put("snapshotId", String.valueOf(table.currentSnapshot().snapshotId()));
      written.put("sequenceNumber", table.currentSnapshot().sequenceNumber());
    }
    if (in.path("read").asBoolean(false)) {
      ArrayNode rows = out.putArray("rows");
      try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
        for (Record r : records) rows.add(toJson(table.schema().asStruct(), r));
      }
    }
    System.out.println(JSON.writeValueAsString(out));
  }

  /** One data file per partition the rows fall in. */
  private static List<DataFile> writeData(Table table, OutputFileFactory files, JsonNode rows) throws Exception {
    Schema schema = table.schema();
    Map<StructLike, List<Record>> byPartition = groupByPartition(table, schema, rows);
    List<DataFile> out = new ArrayList<>();
    GenericAppenderFactory factory = new GenericAppenderFactory(schema, table.spec());
    for (Map.Entry<StructLike, List<Record>> e : byPartition.entrySet()) {
      DataWriter<Record> writer = factory.newDataWriter(files.newOutputFile(table.spec(), e.getKey()), FileFormat.PARQUET, e.getKey());
      try (writer) {
        for (Record r : e.getValue()) writer.write(r);
      }
      out.add(writer.toDataFile());
    }
    return out;
  }

  /**
   * Position deletes {"file": path | "new:<i>", "pos": n}, one delete file per partition of the
   * data files they name ("new:<i>" is the i-th data file written in the same commit).
   */
  private static List<DeleteFile> writePositionDeletes(Table table, OutputFileFactory files, FileFormat format, JsonNode deletes, List<DataFile> added) throws Exception {
    if (deletes.isEmpty()) return List.of();
    Map<String, DataFile> live = new LinkedHashMap<>();
    if (table.currentSnapshot() != null) {
      try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
        for (FileScanTask t : tasks) live.put(t.file().location(), t.file());
      }
    }
    Map<StructLike, List<Object[]>> byPartition = new LinkedHashMap<>();
    for (JsonNode d : deletes) {
      String ref = d.get("file").asText();
      DataFile target = ref.startsWith("new:") ? added.get(Integer.parseInt(ref.substring(4))) : live.get(ref);
      if (target == null) throw new IllegalArgumentException("no live data file " + ref);
      byPartition.computeIfAbsent(target.partition(), k -> new ArrayList<>()).add(new Object[] {target.location(), d.get("pos").asLong()});
    }
    if (((HasTableOperations) table).operations().current().formatVersion() >= 3) {
      // v3 tables take position deletes only as deletion vectors (Puffin files).
      OutputFileFactory puffins = OutputFileFactory.builderFor(table, 1, System.nanoTime()).format(FileFormat.PUFFIN).build();
      BaseDVFileWriter dvs = new BaseDVFileWriter(puffins, path -> null);
      try (dvs) {
        for (JsonNode d : deletes) {
          String ref = d.get("file").asText();
          DataFile target = ref.startsWith("new:") ? added.get(Integer.parseInt(ref.substring(4))) : live.get(ref);
          dvs.delete(target.location(), d.get("pos").asLong(), table.specs().get(target.specId()), target.partition());
        }
      }
      return dvs.result().deleteFiles();
    }
    List<DeleteFile> out = new ArrayList<>();
    for (Map.Entry<StructLike, List<Object[]>> e : byPartition.entrySet()) {
      // The spec asks for position deletes sorted by file path, then position.
      e.getValue().sort(Comparator.<Object[], String>comparing(x -> (String) x[0]).thenComparing(x -> (Long) x[1]));
      PositionDeleteWriter<Record> writer = new GenericAppenderFactory(table.schema(), table.spec())
          .newPosDeleteWriter(files.newOutputFile(table.spec(), e.getKey()), format, e.getKey());
      try (writer) {
        PositionDelete<Record> delete = PositionDelete.create();
        for (Object[] d : e.getValue()) writer.write(delete.set((String) d[0], (Long) d[1], null));
      }
      out.add(writer.toDeleteFile());
    }
    return out;
  }

  /**
   * Equality deletes {"columns": [...], "rows": [...]}: rows hold the equality columns and, for a
   * partitioned table, the partition source columns, which place each delete in its partition.
   */
  private static List<DeleteFile> writeEqualityDeletes(Table table, OutputFileFactory files, FileFormat format, JsonNode spec) throws Exception {
    Schema schema = table.schema();
    List<String> columns = new ArrayList<>();
    spec.get("columns").forEach(c -> columns.add(c.asText()));
    Schema deleteSchema = schema.select(columns);
    int[] ids = deleteSchema.columns().stream().mapToInt(Types.NestedField::fieldId).toArray();
    Map<StructLike, List<Record>> byPartition = groupByPartition(table, schema, spec.get("rows"));
    List<DeleteFile> out = new ArrayList<>();
    for (Map.Entry<StructLike, List<Record>> e : byPartition.entrySet()) {
      EqualityDeleteWriter<Record> writer = new GenericAppenderFactory(schema, table.spec(), ids, deleteSchema, null)
          .newEqDeleteWriter(files.newOutputFile(table.spec(), e.getKey()), format, e.getKey());
      try (writer) {
        for (Record full : e.getValue()) {
          Record r = GenericRecord.create(deleteSchema);
          for (String c : columns) r.setField(c, full.getField(c));
          writer.write(r);
        }
      }
      out.add(writer.toDeleteFile());
    }
    return out;
  }

  private static Map<StructLike, List<Record>> groupByPartition(Table table, Schema schema, JsonNode rows) {
    Map<StructLike, List<Record>> out = new LinkedHashMap<>();
    InternalRecordWrapper wrapper = new InternalRecordWrapper(schema.asStruct());
    PartitionSpec spec = table.spec();
    for (JsonNode row : rows) {
      Record r = GenericRecord.create(schema);
      for (Types.NestedField f : schema.columns()) {
        if (row.has(f.name())) r.setField(f.name(), fromJson(f.type(), row.get(f.name())));
      }
      PartitionKey key = new PartitionKey(spec, schema);
      key.partition(wrapper.wrap(r));
      out.computeIfAbsent(key.copy(), k -> new ArrayList<>()).add(r);
    }
    return out;
  }

  /** Typed JSON (pyiceberg_cli.py's typed_value form) to the Java value a generic Record holds. */
  private static Object fromJson(Type type, JsonNode v) {
    if (v == null || v.isNull()) return null;
    switch (type.typeId()) {
      case BOOLEAN: return v.asBoolean();
      case INTEGER: return v.asInt();
      case LONG: return Long.parseLong(v.asText());
      case FLOAT: return (float) v.asDouble();
      case DOUBLE: return v.asDouble();
      case DATE: return LocalDate.ofEpochDay(v.asLong());
      case TIMESTAMP: {
        OffsetDateTime t = EPOCH.plus(Long.parseLong(v.asText()), ChronoUnit.MICROS);
        return ((Types.TimestampType) type).shouldAdjustToUTC() ? t : t.toLocalDateTime();
      }
      case STRING: return v.asText();
      case UUID: return UUID.fromString(v.asText());
      case DECIMAL: return new BigDecimal(v.asText());
      case BINARY: return ByteBuffer.wrap(HexFormat.of().parseHex(v.asText()));
      case FIXED: return HexFormat.of().parseHex(v.asText());
      default: throw new IllegalArgumentException("type " + type + " is not supported by this test writer");
    }
  }

  private static ObjectNode toJson(Types.StructType struct, Record r) {
    ObjectNode o = JSON.createObjectNode();
    for (Types.NestedField f : struct.fields()) {
      Object v = r.getField(f.name());
      if (v == null) {
        o.putNull(f.name());
        continue;
      }
      switch (f.type().typeId()) {
        case BOOLEAN: o.put(f.name(), (Boolean) v); break;
        case INTEGER: o.put(f.name(), (Integer) v); break;
        case LONG: o.put(f.name(), String.valueOf(v)); break;
        case FLOAT: o.put(f.name(), (Float) v); break;
        case DOUBLE: o.put(f.name(), (Double) v); break;
        case DATE: o.put(f.name(), ((LocalDate) v).toEpochDay()); break;
        case TIMESTAMP: {
          OffsetDateTime t = v instanceof OffsetDateTime odt ? odt : ((LocalDateTime) v).atOffset(ZoneOffset.UTC);
          o.put(f.name(), String.valueOf(ChronoUnit.MICROS.between(EPOCH, t)));
          break;
        }
        case DECIMAL: o.put(f.name(), ((BigDecimal) v).toString()); break;
        case BINARY: {
          ByteBuffer b = ((ByteBuffer) v).duplicate();
          byte[] bytes = new byte[b.remaining()];
          b.get(bytes);
          o.put(f.name(), HexFormat.of().formatHex(bytes));
          break;
        }
        case FIXED: o.put(f.name(), HexFormat.of().formatHex((byte[]) v)); break;
        default: o.put(f.name(), v.toString());
      }
    }
    return o;
  }
}

// Creates Kafka ACLs in one Admin API call; run by deploy/local/kafka as
//   java -cp "<kafka jars>/*" deploy/local/KafkaAcls.java ADMIN.properties < ACL-LINES
// (Java's single-file source launcher: no build step). One JVM for every ACL
// of a topic prefix, where kafka-acls would start one per resource type.
//
// Each input line: PRINCIPAL RESOURCE-TYPE PATTERN-TYPE NAME OPERATION[,OPERATION...]
//   User:ingest TOPIC LITERAL newsfeed.articles.ingested WRITE,DESCRIBE,CREATE
//   User:ingest GROUP PREFIXED newsfeed.ingest READ,DESCRIBE
// Blank lines and lines starting with '#' are skipped. Every entry allows,
// from any host. Creating an ACL that exists already changes nothing.
// The controller acknowledges ACLs before the broker's authorizer has applied
// them, so the tool returns only once the broker lists every one of them
// (DescribeAcls is answered from the broker's authorizer): a client that
// starts right after it is never refused by an ACL still on its way.

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

public class KafkaAcls {
    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: KafkaAcls ADMIN.properties < ACL-LINES");
        }
        Properties props = new Properties();
        try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
            props.load(in);
        }
        List<AclBinding> bindings = new ArrayList<>();
        BufferedReader lines = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = lines.readLine()) != null; ) {
            line = line.trim();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\\s+");
            if (f.length != 5) {
                throw new IllegalArgumentException("not PRINCIPAL TYPE PATTERN NAME OPS: " + line);
            }
            ResourceType type = ResourceType.fromString(f[1]);
            PatternType pattern = PatternType.fromString(f[2]);
            if (type == ResourceType.UNKNOWN || pattern == PatternType.UNKNOWN) {
                throw new IllegalArgumentException("unknown resource or pattern type: " + line);
            }
            ResourcePattern resource = new ResourcePattern(type, f[3], pattern);
            for (String op : f[4].split(",")) {
                AclOperation operation = AclOperation.fromString(op);
                if (operation == AclOperation.UNKNOWN) {
                    throw new IllegalArgumentException("unknown operation " + op + ": " + line);
                }
                bindings.add(new AclBinding(resource,
                        new AccessControlEntry(f[0], "*", operation, AclPermissionType.ALLOW)));
            }
        }
        try (Admin admin = Admin.create(props)) {
            admin.createAcls(bindings).all().get(60, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                Set<AclBinding> missing = new HashSet<>(bindings);
                missing.removeAll(admin.describeAcls(AclBindingFilter.ANY).values().get(60, TimeUnit.SECONDS));
                if (missing.isEmpty()) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(missing.size()
                            + " ACL entries created but not applied by the broker after 60 s, e.g. "
                            + missing.iterator().next());
                }
                Thread.sleep(50);
            }
        }
        System.out.println(bindings.size() + " ACL entries in place");
    }
}

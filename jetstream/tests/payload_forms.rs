//! One payload rule: Key-Value writes (`put`, `create`, `update`) and object
//! puts (`put_bytes`, `put_bytes_with`) take every form a core publish takes
//! (`&str`, `&[u8]`, `Vec<u8>`, `String`, `Bytes`), on the async API and the
//! blocking facade, against a real server.

mod common;

use bytes::Bytes;
use common::*;
use natrs_jetstream::object::ObjectMeta;
use natrs_jetstream::{blocking, kv, object};

/// Calls `$write!(tag, value)` once per payload form, the value being the
/// form of the text `tag`.
macro_rules! each_form {
    ($write:ident) => {
        // Borrowed from locals, not `'static`: `Into<Bytes>` takes only
        // `'static` borrows.
        let text = String::from("str");
        $write!("str", text.as_str());
        let raw = b"slice".to_vec();
        $write!("slice", raw.as_slice());
        $write!("vec", b"vec".to_vec());
        $write!("string", String::from("string"));
        $write!("bytes", Bytes::from_static(b"bytes"));
    };
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_writes_take_every_payload_form() {
    let server = server();
    let (_client, js) = jetstream(&server).await;
    let kv = js
        .create_key_value(kv::Config::new("forms").history(5))
        .await
        .unwrap();
    let store = js
        .create_object_store(object::Config::new("forms"))
        .await
        .unwrap();

    macro_rules! write {
        ($tag:expr, $value:expr) => {
            let tag: &str = $tag;
            let put = kv.put(&format!("put.{tag}"), $value).await.unwrap();
            assert_eq!(kv.get(&format!("put.{tag}")).await.unwrap().value, tag);

            let created = kv.create(&format!("new.{tag}"), $value).await.unwrap();
            assert!(created > put);
            let updated = kv
                .update(&format!("new.{tag}"), $value, created)
                .await
                .unwrap();
            assert_eq!(
                kv.get(&format!("new.{tag}")).await.unwrap().revision,
                updated
            );
            assert_eq!(kv.get(&format!("new.{tag}")).await.unwrap().value, tag);

            store.put_bytes(&format!("a.{tag}"), $value).await.unwrap();
            assert_eq!(store.get_bytes(&format!("a.{tag}")).await.unwrap(), tag);
            store
                .put_bytes_with(ObjectMeta::new(format!("b.{tag}")), $value)
                .await
                .unwrap();
            assert_eq!(store.get_bytes(&format!("b.{tag}")).await.unwrap(), tag);
        };
    }
    each_form!(write);
}

#[test]
fn blocking_writes_take_every_payload_form() {
    let server = server();
    let client = async_io::block_on(natrs_async_std::connect(server.url())).unwrap();
    let js = blocking::JetStream::new(client);
    let kv = js
        .create_key_value(kv::Config::new("forms").history(5))
        .unwrap();
    let store = js
        .create_object_store(object::Config::new("forms"))
        .unwrap();

    macro_rules! write {
        ($tag:expr, $value:expr) => {
            let tag: &str = $tag;
            let put = kv.put(&format!("put.{tag}"), $value).unwrap();
            assert_eq!(kv.get(&format!("put.{tag}")).unwrap().value, tag);

            let created = kv.create(&format!("new.{tag}"), $value).unwrap();
            assert!(created > put);
            let updated = kv.update(&format!("new.{tag}"), $value, created).unwrap();
            assert_eq!(kv.get(&format!("new.{tag}")).unwrap().revision, updated);
            assert_eq!(kv.get(&format!("new.{tag}")).unwrap().value, tag);

            store.put_bytes(&format!("a.{tag}"), $value).unwrap();
            assert_eq!(store.get_bytes(&format!("a.{tag}")).unwrap(), tag);
            store
                .put_bytes_with(ObjectMeta::new(format!("b.{tag}")), $value)
                .unwrap();
            assert_eq!(store.get_bytes(&format!("b.{tag}")).unwrap(), tag);
        };
    }
    each_form!(write);
}

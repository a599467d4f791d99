//! Embedding `natrs_core::Client` in a hand-written, single-threaded loop over
//! `std::net::TcpStream`: no async runtime, no threads, one blocking read
//! whose timeout is the core's next deadline.
//!
//! Connects to `NATS_URL` (default `nats://127.0.0.1:4222`; it starts no
//! server), answers requests on `demo.echo` itself, publishes, sends a
//! request to its own responder, flushes and closes:
//!
//! ```text
//! nats-server -p 4222 &
//! NATS_URL=nats://127.0.0.1:4222 cargo run -p natrs-core --example event_loop
//! ```
//!
//! The loop lives in `event_loop/driver.rs`, shared with the real-server
//! smoke test.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

#[path = "event_loop/driver.rs"]
mod driver;

use driver::Driver;
use natrs_core::Event;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(5);

fn main() {
    if let Err(e) = run() {
        eprintln!("event_loop: {e}");
        std::process::exit(1);
    }
}

/// Answers a request delivered to the echo subscription.
fn serve(d: &mut Driver, echo: natrs_core::Sid, event: Event) {
    match event {
        Event::Message { sid, message } if sid == echo => {
            if let Some(reply) = &message.reply {
                let mut answer = b"echo: ".to_vec();
                answer.extend_from_slice(&message.payload);
                if let Err(e) = d.publish(reply, None, &answer) {
                    eprintln!("reply failed: {e}");
                }
            }
        }
        other => println!("event: {other:?}"),
    }
}

fn run() -> Result<(), String> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let mut d = Driver::connect(&url)?;
    let server = d
        .wait_for(WAIT, |_, e| match e {
            Event::Connected { server } => Some(Ok(server)),
            Event::Closed { reason } => Some(Err(reason.to_string())),
            other => {
                println!("event: {other:?}");
                None
            }
        })
        .ok_or("not connected in time")??;
    println!("connected to {server}");

    let echo = d.subscribe("demo.echo").map_err(|e| e.to_string())?;
    let updates = d.subscribe("demo.updates").map_err(|e| e.to_string())?;
    for i in 0..3 {
        d.publish("demo.updates", None, format!("update {i}").as_bytes())
            .map_err(|e| e.to_string())?;
    }
    let mut seen = 0;
    d.wait_for(WAIT, |d, e| match e {
        Event::Message { sid, message } if sid == updates => {
            println!("update: {}", String::from_utf8_lossy(&message.payload));
            seen += 1;
            (seen == 3).then_some(())
        }
        other => {
            serve(d, echo, other);
            None
        }
    })
    .ok_or("updates not received")?;

    let id = d
        .request("demo.echo", b"hello", WAIT)
        .map_err(|e| e.to_string())?;
    let reply = d
        .wait_for(WAIT, |d, e| match e {
            Event::Reply { id: r, message } if r == id => Some(message.payload),
            other => {
                serve(d, echo, other);
                None
            }
        })
        .ok_or("no reply")?;
    println!("reply: {}", String::from_utf8_lossy(&reply));

    let flush = d.flush().map_err(|e| e.to_string())?;
    let rtt = d
        .wait_for(WAIT, |d, e| match e {
            Event::FlushDone { id, rtt } if id == flush => Some(rtt),
            other => {
                serve(d, echo, other);
                None
            }
        })
        .ok_or("flush not confirmed")?;
    println!("flushed, rtt {rtt:?}");

    d.close();
    while let Some(event) = d.next_event(WAIT) {
        println!("event: {event:?}");
    }
    Ok(())
}

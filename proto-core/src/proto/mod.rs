//! The NATS wire protocol: server operations parsed from bytes, client
//! operations encoded into a [`WriteBuffer`]. Pure functions and buffers only;
//! the connection logic lives in [`crate::client`].

mod connect;
pub(crate) mod decimal;
mod encode;
mod info;
mod msg_line;
mod op;
mod parser;
mod write;

pub use connect::ConnectInfo;
pub use encode::{
    encode_connect, encode_ping, encode_pong, encode_pub, encode_sub, encode_unsub, pub_args_len,
    sub_args_len,
};
pub use info::ServerInfo;
pub use op::{MsgFrame, ServerOp};
pub use parser::{MAX_ERR_TEXT, Parser, ParserLimits, ProtocolError};
pub use write::WriteBuffer;

use proptest::prelude::*;

use super::*;

/// `for_each_message` as it was before it read whole buffers: a line at a
/// time, each copied out of the reader.
fn line_by_line(
    mut reader: impl BufRead,
    max_size: u64,
    mut f: impl FnMut(usize, Message<'_>) -> io::Result<()>,
) -> io::Result<()> {
    let mut msg: Vec<u8> = Vec::new();
    let mut size: u64 = 0;
    let mut number = 0;
    let mut started = false;
    let mut previous_blank = true;
    let mut line = Vec::new();
    let mut flush = |msg: &mut Vec<u8>, size: &mut u64, number: &mut usize| -> io::Result<()> {
        if *size > 0 && !msg.iter().all(u8::is_ascii_whitespace) || *size > max_size {
            *number += 1;
            if *size > max_size {
                f(*number, Message::TooLarge(*size))?;
            } else {
                f(*number, Message::Email(msg))?;
            }
        }
        msg.clear();
        *size = 0;
        Ok(())
    };
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        if line.starts_with(b"From ") && previous_blank {
            if started {
                flush(&mut msg, &mut size, &mut number)?;
            }
            started = true;
            previous_blank = false;
            continue;
        }
        previous_blank = line.iter().all(u8::is_ascii_whitespace);
        if !started {
            continue;
        }
        size += line.len() as u64;
        if size <= max_size {
            msg.extend_from_slice(&line);
        }
    }
    if started {
        flush(&mut msg, &mut size, &mut number)?;
    }
    Ok(())
}

/// What a reader hands on, as (number, message or size) pairs.
fn collect(
    read: impl FnOnce(&mut dyn FnMut(usize, Message<'_>) -> io::Result<()>) -> io::Result<()>,
) -> Vec<(usize, Result<Vec<u8>, u64>)> {
    let mut seen = Vec::new();
    read(&mut |n, m| {
        seen.push((
            n,
            match m {
                Message::Email(b) => Ok(b.to_vec()),
                Message::TooLarge(size) => Err(size),
            },
        ));
        Ok(())
    })
    .unwrap();
    seen
}

/// Lines and pieces of lines streams are built from.
const PIECES: &[&[u8]] = &[
    b"From a@b Mon Jan  1 00:00:00 2024\n",
    b"From ",
    b"From",
    b"\nFrom x\n",
    b"Subject: s\n",
    b"body",
    b"text\n",
    b"\n",
    b"\n",
    b" \t\r\n",
    b"\r\n",
    b" ",
    b">From y\n",
    b"\xff",
];

proptest! {
    #[test]
    fn agrees_with_reading_line_by_line(
        pieces in proptest::collection::vec(proptest::sample::select(PIECES), 0..40),
        capacity in 1usize..40,
        max_size in 0u64..120,
    ) {
        let data = pieces.concat();
        let ours = collect(|f| for_each_message(io::BufReader::with_capacity(capacity, &data[..]), max_size, f));
        let theirs = collect(|f| line_by_line(&data[..], max_size, f));
        prop_assert_eq!(&ours, &theirs);
        let whole = collect(|f| for_each_message(&data[..], max_size, f));
        prop_assert_eq!(&whole, &theirs);
    }
}

#[test]
fn agrees_on_the_corpus_mbox_files() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/sisimai/maildir");
    for path in crate::input::files_under(&dir).unwrap_or_default() {
        let data = std::fs::read(&path).unwrap();
        if !data.starts_with(b"From ") {
            continue;
        }
        let ours = collect(|f| for_each_message(io::BufReader::with_capacity(512, &data[..]), 1 << 20, f));
        let theirs = collect(|f| line_by_line(&data[..], 1 << 20, f));
        assert_eq!(ours, theirs, "{}", path.display());
    }
}

#[test]
fn streams_messages_and_refuses_large_ones() {
    let data = b"From x\nA: 1\n\nb\n\nFrom y\nB: 2\n\n0123456789012345678901234567890123456789\n\nFrom z\nC: 3\n";
    let seen = collect(|f| for_each_message(&data[..], 30, f));
    assert_eq!(seen, [(1, Ok(b"A: 1\n\nb\n\n".to_vec())), (2, Err(48)), (3, Ok(b"C: 3\n".to_vec()))]);
}

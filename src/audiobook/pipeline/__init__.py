"""The pipeline: plan each chapter, make its audio and file (chapter_audio, chapter_job), the
whole-book files (book_job), on the executors it is handed; render runs one book, catalogue many."""

